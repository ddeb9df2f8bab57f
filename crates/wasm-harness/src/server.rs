//! Serves an app's HTTP components on wasmtime: one listener, Spin's routing,
//! a fresh component instance per request from a pooling allocator.

use crate::compose;
use crate::key_value::{self, Database, KeyValue};
use crate::manifest::Manifest;
use crate::router::Router;
use crate::stdio::{ComponentStdio, Follow};
use crate::variables::{self, ComponentVariables};
use anyhow::{Context, Result};
use hyper::server::conn::http1;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{
    Error as HttpError, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks,
    WasiHttpView,
};

/// How long one request may run in the guest before it is stopped.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// How long a request's body may take to arrive, from its head: each
/// request holds an instance from the pool while its body arrives (a
/// composed one, a memory for each component), so clients that stall
/// mid-upload would otherwise hold the pool until nothing is left for
/// anyone. Spin sets no such bound; docs/DEPLOY.md says what protects it.
pub const BODY_DEADLINE: Duration = Duration::from_secs(10);
/// How often the engine's epoch advances; deadlines are counted in epochs.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// An app loaded from its manifest: every HTTP component compiled, composed
/// with its dependencies, and pre-instantiated.
pub struct App {
    router: Router,
    /// The handler serving each route, in trigger order.
    handlers: Vec<Arc<Handler>>,
}

/// One component ready to serve.
struct Handler {
    id: String,
    pre: ProxyPre<Host>,
    variables: ComponentVariables,
    /// The key-value stores it may open, and the app's default store.
    key_value_stores: Arc<std::collections::BTreeSet<String>>,
    database: Arc<Database>,
    stdio: ComponentStdio,
    body_deadline: Duration,
}

/// Per-request host state.
struct Host {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: DenyOutgoingRequests,
    variables: ComponentVariables,
    key_value: KeyValue,
}

/// How an app is run: what `spin up`'s options and environment say.
#[derive(Debug, Clone)]
pub struct Settings {
    pub memory_reset: MemoryReset,
    /// Where each component's stdout and stderr are appended
    /// (`<dir>/<component>_stdout.txt`), as `spin up --log-dir`; `None`
    /// writes no files.
    pub log_dir: Option<PathBuf>,
    /// Whose output is echoed to the host's stderr. Without a log file or
    /// an echo, a component's stdout is dropped (its stderr never is).
    pub follow: Follow,
    /// The environment the app's variables are read from
    /// (`SPIN_VARIABLE_<NAME>`).
    pub environment: Vec<(String, String)>,
    /// How long a request's body may take to arrive before the request is
    /// stopped and answered 408 ([`BODY_DEADLINE`] by default).
    pub body_deadline: Duration,
    /// Where the default key-value store's database is kept, as `spin up
    /// --state-dir`; `None` keeps it in memory, for as long as the app runs.
    pub state_dir: Option<PathBuf>,
}

impl Default for Settings {
    /// Memory reset as Spin, no log files, nothing echoed, variables from
    /// the process's environment.
    fn default() -> Self {
        Settings {
            memory_reset: MemoryReset::default(),
            log_dir: None,
            follow: Follow::None,
            environment: std::env::vars().collect(),
            body_deadline: BODY_DEADLINE,
            state_dir: None,
        }
    }
}

impl Settings {
    /// `spin up`'s defaults for the app at `manifest_path`: state (the
    /// key-value store) in `.spin/` next to the manifest, logs in
    /// `.spin/logs/`, every component echoed.
    pub fn spin_up(manifest_path: &Path) -> Self {
        let dir = manifest_path.parent().unwrap_or(Path::new(""));
        Settings {
            log_dir: Some(dir.join(".spin").join("logs")),
            state_dir: Some(dir.join(".spin")),
            follow: Follow::All,
            ..Settings::default()
        }
    }
}

/// The app's components make no outgoing requests, and Spin denies them to a
/// component without `allowed_outbound_hosts`: so does the harness.
struct DenyOutgoingRequests;

impl WasiHttpHooks for DenyOutgoingRequests {
    fn send_request(
        &mut self,
        _request: hyper::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _on_body_done: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = OutgoingResult> + Send> {
        Box::new(async { Err(HttpError::HttpRequestDenied) })
    }
}

type OutgoingResult = Result<
    (
        hyper::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ),
    HttpError,
>;

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// How the engine resets an instance's linear memory for the next one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MemoryReset {
    /// As Spin does: copy back (or zero) the whole memory, up to the
    /// `linear_memory_keep_resident` bytes kept resident (2 MiB by default).
    #[default]
    Spin,
    /// Only the pages the instance wrote, found with Linux's `PAGEMAP_SCAN`
    /// (Linux 6.7 or later; wasmtime falls back to [`MemoryReset::Spin`]
    /// elsewhere). Not what Spin 3.6 or 4.0 does: for measuring what it would
    /// save.
    DirtyPages,
}

/// The engine configuration Spin uses (`crates/core/src/lib.rs` in the Spin
/// repository): the component model, epoch deadlines, and the pooling
/// instance allocator with Spin's limits, each overridable by the same
/// `SPIN_MAX_INSTANCE_COUNT` and `SPIN_WASMTIME_*` environment variables.
fn engine(reset: MemoryReset) -> Result<Engine> {
    const MB: u64 = 1 << 20;
    let max_instances: u32 = spin_setting("SPIN_MAX_INSTANCE_COUNT", 1_000)?;
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(spin_setting("SPIN_WASMTIME_INSTANCE_COUNT", max_instances)?)
        .total_memories(spin_setting("SPIN_WASMTIME_TOTAL_MEMORIES", max_instances)?)
        .total_tables(spin_setting(
            "SPIN_WASMTIME_TOTAL_TABLES",
            2 * max_instances,
        )?)
        .total_stacks(spin_setting("SPIN_WASMTIME_TOTAL_STACKS", max_instances)?)
        .total_core_instances(spin_setting(
            "SPIN_WASMTIME_TOTAL_CORE_INSTANCES",
            4 * max_instances,
        )?)
        .table_elements(spin_setting(
            "SPIN_WASMTIME_INSTANCE_TABLE_ELEMENTS",
            100_000,
        )?)
        .max_component_instance_size(spin_setting("SPIN_WASMTIME_INSTANCE_SIZE", 10 * MB)? as usize)
        .max_core_instance_size(spin_setting("SPIN_WASMTIME_CORE_INSTANCE_SIZE", 10 * MB)? as usize)
        .max_core_instances_per_component(spin_setting("SPIN_WASMTIME_CORE_INSTANCE_COUNT", 200)?)
        .max_tables_per_component(spin_setting("SPIN_WASMTIME_INSTANCE_TABLES", 64)?)
        .max_memories_per_component(spin_setting("SPIN_WASMTIME_INSTANCE_MEMORIES", 32)?)
        .max_tables_per_module(spin_setting("SPIN_WASMTIME_MAX_TABLES_PER_MODULE", 2)?)
        .max_memories_per_module(spin_setting("SPIN_WASMTIME_MAX_MEMORIES_PER_MODULE", 2)?)
        .max_memory_size(4 << 30)
        .linear_memory_keep_resident(spin_setting(
            "SPIN_WASMTIME_LINEAR_MEMORY_KEEP_RESIDENT",
            2 * MB,
        )? as usize)
        .table_keep_resident(spin_setting("SPIN_WASMTIME_TABLE_KEEP_RESIDENT", MB / 2)? as usize)
        .pagemap_scan(match reset {
            MemoryReset::Spin => wasmtime::Enabled::No,
            MemoryReset::DirtyPages => wasmtime::Enabled::Auto,
        });
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    let engine = Engine::new(&config)?;
    let weak = engine.weak();
    std::thread::spawn(move || {
        while let Some(engine) = weak.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    });
    Ok(engine)
}

/// The value of Spin's engine setting `name` from the environment, or
/// `default`.
fn spin_setting<T>(name: &str, default: T) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .with_context(|| format!("parsing {name}={value}")),
        Err(_) => Ok(default),
    }
}

impl App {
    /// Loads the app described by the manifest at `manifest_path`: reads each
    /// HTTP component's built `.wasm`, composes it with its dependencies, and
    /// compiles it.
    pub fn load(manifest_path: &Path) -> Result<Self> {
        Self::load_with(manifest_path, MemoryReset::Spin)
    }

    /// [`App::load`], with memory reset as `reset` says.
    pub fn load_with(manifest_path: &Path, reset: MemoryReset) -> Result<Self> {
        Self::load_with_settings(
            manifest_path,
            &Settings {
                memory_reset: reset,
                ..Settings::default()
            },
        )
    }

    /// [`App::load`], run as `settings` say.
    pub fn load_with_settings(manifest_path: &Path, settings: &Settings) -> Result<Self> {
        let manifest = Manifest::load(manifest_path)?;
        variables::check(&manifest, &settings.environment)?;
        if let Some(dir) = &settings.log_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the log directory {}", dir.display()))?;
        }
        let engine = engine(settings.memory_reset)?;
        let mut linker = Linker::<Host>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        variables::variables::add_to_linker::<_, HasSelf<ComponentVariables>>(
            &mut linker,
            |host| &mut host.variables,
        )?;
        variables::store::add_to_linker::<_, HasSelf<ComponentVariables>>(&mut linker, |host| {
            &mut host.variables
        })?;
        key_value::wasi::keyvalue::store::add_to_linker::<_, HasSelf<KeyValue>>(
            &mut linker,
            |host| &mut host.key_value,
        )?;
        key_value::wasi::keyvalue::atomics::add_to_linker::<_, HasSelf<KeyValue>>(
            &mut linker,
            |host| &mut host.key_value,
        )?;
        key_value::wasi::keyvalue::batch::add_to_linker::<_, HasSelf<KeyValue>>(
            &mut linker,
            |host| &mut host.key_value,
        )?;
        let database = Arc::new(Database::new(settings.state_dir.clone()));

        let mut handlers: BTreeMap<&str, Arc<Handler>> = BTreeMap::new();
        for trigger in &manifest.trigger.http {
            let id = trigger.component.as_str();
            if handlers.contains_key(id) {
                continue;
            }
            let stores = &manifest.component[id].key_value_stores;
            key_value::check_labels(id, stores)?;
            let bytes = compose::from_manifest(&manifest, id)?;
            let component = Component::new(&engine, &bytes)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("compiling component `{id}`"))?;
            let pre = ProxyPre::new(linker.instantiate_pre(&component)?)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("component `{id}` is not an HTTP component"))?;
            handlers.insert(
                id,
                Arc::new(Handler {
                    id: id.to_owned(),
                    pre,
                    variables: variables::resolve(&manifest, id, &settings.environment)?,
                    key_value_stores: Arc::new(stores.iter().cloned().collect()),
                    database: database.clone(),
                    stdio: ComponentStdio::new(id, settings.log_dir.as_deref(), &settings.follow),
                    body_deadline: settings.body_deadline,
                }),
            );
        }
        Ok(Self {
            router: Router::new(manifest.trigger.http.iter().map(|t| t.route.as_str())),
            handlers: manifest
                .trigger
                .http
                .iter()
                .map(|trigger| handlers[trigger.component.as_str()].clone())
                .collect(),
        })
    }

    /// Loads the app at `manifest_path` and serves it on a free port of
    /// 127.0.0.1 from a thread of its own, for as long as the process runs:
    /// for tests and tools that talk to it over HTTP from synchronous code.
    /// Returns its URL.
    pub fn spawn(manifest_path: PathBuf, settings: Settings) -> Result<String> {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let started = (|| {
                let runtime = tokio::runtime::Runtime::new()?;
                let app = Self::load_with_settings(&manifest_path, &settings)?;
                let server = runtime.block_on(app.serve(([127, 0, 0, 1], 0).into()))?;
                anyhow::Ok((runtime, server))
            })();
            match started {
                Ok((runtime, server)) => {
                    let _ = sender.send(Ok(server.url()));
                    runtime.block_on(std::future::pending::<()>());
                }
                Err(error) => {
                    let _ = sender.send(Err(error));
                }
            }
        });
        receiver.recv().context("the server thread ended")?
    }

    /// Starts serving on `addr` (port 0 picks a free port) in the background.
    pub async fn serve(self, addr: SocketAddr) -> Result<Server> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let addr = listener.local_addr()?;
        let app = Arc::new(self);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let app = app.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let app = app.clone();
                        async move { app.handle(request).await }
                    });
                    // A client that goes away mid-request is its own business.
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Server { addr, task })
    }

    /// Answers one request in-process, routed and served as over HTTP but
    /// without a listener: for benchmarks that separate the cost of the
    /// components from that of the host's HTTP stack.
    pub async fn handle_in_process(
        &self,
        request: hyper::Request<http_body_util::Full<hyper::body::Bytes>>,
    ) -> Result<hyper::Response<HyperOutgoingBody>> {
        use http_body_util::BodyExt;
        self.handle(request.map(|body| body.map_err(|never| -> hyper::Error { match never {} })))
            .await
    }

    /// Instantiates the component serving `path` in a fresh store, as each
    /// request does, without calling it: for benchmarks of instantiation.
    pub async fn instantiate(&self, path: &str) -> Result<()> {
        let index = self
            .router
            .route(path)
            .with_context(|| format!("no route for {path}"))?;
        let handler = &self.handlers[index];
        handler.pre.instantiate_async(&mut handler.store()?).await?;
        Ok(())
    }

    async fn handle<B>(
        &self,
        request: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>>
    where
        B: hyper::body::Body<Data = hyper::body::Bytes, Error = hyper::Error>
            + Send
            + Unpin
            + 'static,
    {
        let Some(index) = self.router.route(request.uri().path()) else {
            return Ok(plain_response(404, "not found"));
        };
        let handler = self.handlers[index].clone();
        match handler.handle(request).await {
            Ok(response) => Ok(response),
            Err(error) => {
                eprintln!("component `{}` failed: {error:?}", handler.id);
                Ok(plain_response(500, "internal server error"))
            }
        }
    }
}

impl Handler {
    /// A fresh store for one request, with its own handles on the log files.
    fn store(&self) -> Result<Store<Host>> {
        let (stdout, stderr) = self.stdio.open()?;
        let mut store = Store::new(
            self.pre.engine(),
            Host {
                wasi: WasiCtx::builder().stdout(stdout).stderr(stderr).build(),
                http: WasiHttpCtx::new(),
                table: ResourceTable::new(),
                hooks: DenyOutgoingRequests,
                variables: self.variables.clone(),
                key_value: KeyValue::new(self.database.clone(), self.key_value_stores.clone()),
            },
        );
        store.set_epoch_deadline((REQUEST_DEADLINE.as_millis() / EPOCH_TICK.as_millis()) as u64);
        Ok(store)
    }

    async fn handle<B>(
        &self,
        request: hyper::Request<B>,
    ) -> Result<hyper::Response<HyperOutgoingBody>>
    where
        B: hyper::body::Body<Data = hyper::body::Bytes, Error = hyper::Error>
            + Send
            + Unpin
            + 'static,
    {
        let mut store = self.store()?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let (arrived, body_arrived) = tokio::sync::oneshot::channel();
        let request = store.data_mut().http().new_incoming_request(
            Scheme::Http,
            request.map(|body| Watched::new(body, arrived)),
        )?;
        let response_out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();
        // The guest may keep running after it has sent the response head
        // (to stream the body), so it runs in its own task.
        let task = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, request, response_out)
                .await?;
            anyhow::Ok(())
        });
        let body_late = async {
            // Arrived, or dropped unread by a guest that answered without it.
            if tokio::time::timeout(self.body_deadline, body_arrived)
                .await
                .is_ok()
            {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            answer = receiver => match answer {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(error_code)) => {
                    Err(anyhow::anyhow!("guest answered an error: {error_code:?}"))
                }
                Err(_) => match task.await {
                    Ok(Ok(())) => anyhow::bail!("guest never set a response"),
                    Ok(Err(error)) => Err(error.context("guest failed before responding")),
                    Err(join_error) => Err(join_error.into()),
                },
            },
            () = body_late => {
                // Dropping the guest's store returns its instance to the pool.
                task.abort();
                Ok(body_timeout_response(self.body_deadline))
            }
        }
    }
}

/// A request body that says when it has all arrived (or failed).
struct Watched<B> {
    body: B,
    arrived: Option<tokio::sync::oneshot::Sender<()>>,
}

impl<B: hyper::body::Body> Watched<B> {
    fn new(body: B, arrived: tokio::sync::oneshot::Sender<()>) -> Self {
        let mut watched = Watched {
            body,
            arrived: Some(arrived),
        };
        if watched.body.is_end_stream() {
            watched.signal();
        }
        watched
    }

    fn signal(&mut self) {
        if let Some(arrived) = self.arrived.take() {
            let _ = arrived.send(());
        }
    }
}

impl<B: hyper::body::Body + Unpin> hyper::body::Body for Watched<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<B::Data>, B::Error>>> {
        use std::task::Poll;
        let frame = std::pin::Pin::new(&mut self.body).poll_frame(context);
        if matches!(frame, Poll::Ready(None | Some(Err(_)))) || self.body.is_end_stream() {
            self.signal();
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// 408 for a request whose body did not arrive within `deadline`, in the
/// app's error shape; the connection closes, its body unread.
fn body_timeout_response(deadline: Duration) -> hyper::Response<HyperOutgoingBody> {
    use http_body_util::{BodyExt, Full};
    let body = format!(
        r#"{{"error":{{"code":"request_timeout","message":"the request body did not arrive within {} s"}}}}"#,
        deadline.as_secs_f64()
    );
    hyper::Response::builder()
        .status(408)
        .header("content-type", "application/json")
        .header("connection", "close")
        .body(
            Full::new(hyper::body::Bytes::from(body))
                .map_err(|never| match never {})
                .boxed_unsync(),
        )
        .expect("a fixed response is valid")
}

fn plain_response(status: u16, message: &'static str) -> hyper::Response<HyperOutgoingBody> {
    use http_body_util::{BodyExt, Full};
    let body = Full::new(hyper::body::Bytes::from_static(message.as_bytes()))
        .map_err(|never| match never {})
        .boxed_unsync();
    hyper::Response::builder()
        .status(status)
        .body(body)
        .expect("a static response is valid")
}

/// A running server; it stops when dropped.
pub struct Server {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
