//! `kdeploy` end to end: a real OCI registry (Debian's `docker-registry`, on
//! 127.0.0.1, started and stopped here), the fake cluster of
//! tests/k8s/fakes/kubectl (with the real kustomize), and pods that serve the
//! app built from this repository on wasmtime.
//!
//! With `spin` on PATH the plugin builds and pushes with it, as when Spin
//! launches it; without, it builds with scripts/build-wasm and pushes with
//! its own OCI client, and these tests say so.

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use wasm_harness::App;

const KDEPLOY: &str = env!("CARGO_BIN_EXE_kdeploy");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `program` on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// The Spin the plugin is launched by, if this machine has one.
fn spin() -> Option<PathBuf> {
    static SPIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    SPIN.get_or_init(|| {
        let spin = on_path("spin");
        match &spin {
            Some(spin) => eprintln!("building and pushing with {}", spin.display()),
            None => eprintln!(
                "spin is not installed: kdeploy builds with scripts/build-wasm and pushes with its own OCI push"
            ),
        }
        spin
    })
    .clone()
}

/// The directory of the pinned kubectl and the Python with PyYAML (`make setup`).
fn k8s_tools() -> &'static Path {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let output = Command::new(repo().join("scripts/setup-k8s-tools"))
            .arg("--print")
            .output()
            .expect("scripts/setup-k8s-tools runs");
        assert!(
            output.status.success(),
            "run `make setup`: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
    })
}

/// The built app on wasmtime: what the fake cluster's healthy pods serve.
fn healthy_pods() -> &'static str {
    static ADDRESS: OnceLock<String> = OnceLock::new();
    ADDRESS.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                let app =
                    App::load(&repo().join("spin.toml")).expect("the built app loads (make build)");
                let server = app.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
                sender.send(server.addr().to_string()).unwrap();
                std::future::pending::<()>().await;
            });
        });
        receiver.recv().expect("the app starts")
    })
}

/// Pods of a broken version: every request answers 503.
fn broken_pods() -> &'static str {
    static ADDRESS: OnceLock<String> = OnceLock::new();
    ADDRESS.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        address
    })
}

/// A `docker-registry` on a free port of 127.0.0.1, storing into a temporary
/// directory; stopped when dropped, or when this test process ends.
struct Registry {
    address: String,
    watchdog: Child,
    _storage: tempfile::TempDir,
    /// Held by each deployment that pushes to it: two pushes of the same
    /// blobs at once to a filesystem-backed registry can each finish the
    /// other's upload, and one then fails with `DIGEST_INVALID`.
    pushes: std::sync::Mutex<()>,
}

impl Registry {
    fn start() -> Self {
        let binary = on_path("docker-registry").expect("no docker-registry: run `make setup`");
        let storage = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
                 http:\n  addr: {address}\n",
                storage.path().join("data").display()
            ),
        )
        .unwrap();
        // The shell stops the registry when its standard input closes: when
        // this Registry is dropped, or the test process exits however it does.
        let watchdog = Command::new("sh")
            .args([
                "-c",
                r#""$0" serve "$1" >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid; wait $pid"#,
            ])
            .arg(binary)
            .arg(&config)
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = Self {
            address,
            watchdog,
            _storage: storage,
            pushes: std::sync::Mutex::default(),
        };
        let ready = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            ureq::get(format!("http://{}/v2/", registry.address))
                .call()
                .is_ok()
        });
        assert!(
            ready,
            "docker-registry did not start on {}",
            registry.address
        );
        registry
    }

    fn repository(&self) -> String {
        format!("{}/car-ml", self.address)
    }

    fn get(&self, path: &str) -> ureq::http::Response<ureq::Body> {
        ureq::get(format!("http://{}/v2/{path}", self.address))
            .header("accept", "application/vnd.oci.image.manifest.v1+json")
            .call()
            .unwrap_or_else(|error| panic!("GET /v2/{path}: {error}"))
    }

    fn json(&self, path: &str) -> Value {
        serde_json::from_reader(self.get(path).into_body().into_reader()).unwrap()
    }

    fn blob(&self, digest: &str) -> Vec<u8> {
        self.get(&format!("car-ml/blobs/{digest}"))
            .into_body()
            .read_to_vec()
            .unwrap()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        drop(self.watchdog.stdin.take());
        let _ = self.watchdog.wait();
    }
}

/// The fake cluster: its state file, its call log, and what its pods do.
struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    fn new() -> Self {
        let cluster = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(cluster.state_path(), "{}").unwrap();
        // kubectl as the plugin runs it: the fake, with the Python that has PyYAML.
        let shim = cluster.dir.path().join("kubectl");
        std::fs::write(
            &shim,
            format!(
                "#!/bin/sh\nexec '{}' '{}' \"$@\"\n",
                k8s_tools().join("python").display(),
                repo().join("tests/k8s/fakes/kubectl").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        cluster
    }

    /// A cluster in the state `other` is in now.
    fn copy_of(other: &Cluster) -> Self {
        let cluster = Self::new();
        std::fs::copy(other.state_path(), cluster.state_path()).unwrap();
        cluster
    }

    fn state_path(&self) -> PathBuf {
        self.dir.path().join("cluster.json")
    }

    fn set_pods(&self, pods: Value) {
        std::fs::write(self.dir.path().join("pods.json"), pods.to_string()).unwrap();
    }

    fn state(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.state_path()).unwrap()).unwrap()
    }

    /// Every kubectl call so far, as argument lists.
    fn calls(&self) -> Vec<Vec<String>> {
        let log =
            std::fs::read_to_string(self.dir.path().join("cluster.json.log")).unwrap_or_default();
        log.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn image_of(&self, spinapp: &str) -> String {
        self.state()["SpinApp"][format!("car-ml/{spinapp}")]["spec"]["image"]
            .as_str()
            .unwrap_or_else(|| panic!("no SpinApp {spinapp}"))
            .to_owned()
    }

    /// `program ARGS` run from the repository root, its kubectl this cluster's.
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(repo())
            .env("KUBECTL", self.dir.path().join("kubectl"))
            .env("REAL_KUBECTL", k8s_tools().join("kubectl"))
            .env("FAKE_KUBE_STATE", self.state_path())
            .env("FAKE_KUBE_PODS", self.dir.path().join("pods.json"));
        command
    }

    /// Runs `kdeploy ARGS` against this cluster, as Spin launches it when
    /// Spin is installed.
    fn kdeploy(&self, args: &[&str]) -> Output {
        let mut command = self.command(Path::new(KDEPLOY), args);
        match spin() {
            Some(spin) => command.env("SPIN_BIN_PATH", spin),
            None => command.env_remove("SPIN_BIN_PATH"),
        };
        command.output().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A deployment that went well.
struct Deployed {
    registry: Registry,
    cluster: Cluster,
    digest: String,
    stdout: String,
}

impl Deployed {
    fn image(&self) -> String {
        format!("{}@{}", self.registry.repository(), self.digest)
    }
}

/// `deploy` of the laptop overlay to the test cluster, pushing to `registry`.
fn deploy_args(registry: &Registry) -> Vec<String> {
    let repository = registry.repository();
    [
        "deploy",
        "--registry",
        &repository,
        "--overlay",
        "laptop",
        "--context",
        "test-cluster",
        "--insecure",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn deploy(registry: &Registry, cluster: &Cluster) -> Output {
    let args = deploy_args(registry);
    let _pushing = registry
        .pushes
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cluster.kdeploy(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The digest a deployment printed.
fn digest_of(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("Digest: "))
        .expect("the digest is printed")
        .trim()
        .to_owned()
}

/// One deployment to a fresh cluster, shared by the tests that only look at it.
fn deployed() -> &'static Deployed {
    static DEPLOYED: OnceLock<Deployed> = OnceLock::new();
    DEPLOYED.get_or_init(|| {
        let registry = Registry::start();
        let cluster = Cluster::new();
        cluster.set_pods(json!({"*": healthy_pods()}));
        let output = deploy(&registry, &cluster);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "deploy failed:\n{stdout}\n{}",
            text(&output.stderr)
        );
        let digest = digest_of(&stdout);
        Deployed {
            registry,
            cluster,
            digest,
            stdout,
        }
    })
}

#[test]
fn deploy_pushes_the_image_spin_pushes_with_the_models_composed_into_the_gateway() {
    let deployed = deployed();
    let response = deployed
        .registry
        .get(&format!("car-ml/manifests/{}", deployed.digest));
    // An OCI image manifest, by the type it was pushed with (Spin's push
    // leaves the optional `mediaType` field out; the plugin's own writes it).
    let media_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(media_type, "application/vnd.oci.image.manifest.v1+json");
    let manifest: Value = serde_json::from_reader(response.into_body().into_reader()).unwrap();
    if let Some(field) = manifest.get("mediaType") {
        assert_eq!(field, &Value::String(media_type));
    }
    let layers = manifest["layers"].as_array().unwrap();
    let (config, wasm) = layers.split_last().unwrap();
    assert_eq!(
        config["mediaType"],
        "application/vnd.fermyon.spin.application.v1+config"
    );
    let components = wasm_harness::Manifest::load(&repo().join("spin.toml"))
        .unwrap()
        .component
        .len();
    assert_eq!(wasm.len(), components, "a layer per component");
    assert!(
        wasm.iter()
            .all(|layer| layer["mediaType"] == "application/vnd.wasm.content.layer.v1+wasm")
    );

    let locked: Value =
        serde_json::from_slice(&deployed.registry.blob(config["digest"].as_str().unwrap()))
            .unwrap();
    let gateway = locked["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "gateway")
        .unwrap();
    assert!(
        gateway.get("dependencies").is_none(),
        "composition resolved the dependencies"
    );
    let gateway_wasm = deployed
        .registry
        .blob(gateway["source"]["digest"].as_str().unwrap());
    let imports = wasm_harness::compose::interfaces(&gateway_wasm)
        .unwrap()
        .imports;
    assert!(
        imports
            .iter()
            .all(|import| import.starts_with("wasi:") || import == "fermyon:spin/variables@2.0.0"),
        "the gateway imports what the host does not provide: {imports:?}"
    );
}

#[test]
fn deploy_pins_every_spinapp_to_the_pushed_digest() {
    let deployed = deployed();
    // Pushed under the app's version (later tests move that tag on).
    let pushed = deployed
        .registry
        .get(&format!("car-ml/manifests/{}", deployed.digest));
    let manifest: Value = serde_json::from_reader(pushed.into_body().into_reader()).unwrap();
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.version"],
        "0.1.0"
    );
    for spinapp in ["gateway", "car-value", "sentiment"] {
        assert_eq!(deployed.cluster.image_of(spinapp), deployed.image());
    }
    assert!(
        deployed
            .stdout
            .contains(&format!("Image:  {}", deployed.image()))
    );
}

#[test]
fn deploy_applies_after_a_server_side_dry_run_in_the_given_context() {
    let calls = deployed().cluster.calls();
    let applies: Vec<_> = calls
        .iter()
        .filter(|call| call.contains(&"apply".to_owned()))
        .collect();
    assert_eq!(applies.len(), 2, "{applies:?}");
    assert!(applies[0].contains(&"--dry-run=server".to_owned()));
    assert!(!applies[1].iter().any(|arg| arg.starts_with("--dry-run")));
    assert!(
        calls
            .iter()
            .all(|call| call[..2] == ["--context", "test-cluster"]),
        "{calls:?}"
    );
}

#[test]
fn deploy_waits_for_each_rollout_then_smoke_tests_every_service_through_a_port_forward() {
    let deployed = deployed();
    let calls = deployed.cluster.calls();
    let position = |verb: &str, target: &str| {
        calls
            .iter()
            .position(|call| call.contains(&verb.to_owned()) && call.contains(&target.to_owned()))
            .unwrap_or_else(|| panic!("no `{verb} {target}` in {calls:?}"))
    };
    for service in ["gateway", "car-value", "sentiment"] {
        assert!(
            position("status", &format!("deployment/{service}"))
                < position("port-forward", &format!("svc/{service}"))
        );
    }
    for route in [
        "GET /health ",
        "POST /api/car-analysis",
        "POST /api/trade",
        "POST /api/review ",
    ] {
        assert!(
            deployed.stdout.contains(&format!("ok  {route}")),
            "{route} not smoke-tested:\n{}",
            deployed.stdout
        );
    }
}

#[test]
fn status_shows_each_services_image_and_replicas() {
    let deployed = deployed();
    let output = deployed
        .cluster
        .kdeploy(&["status", "--context", "test-cluster"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for service in ["gateway", "car-value", "sentiment"] {
        let row = stdout
            .lines()
            .find(|line| line.starts_with(service))
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(row.contains(" 1/1 "), "{row}");
        assert!(row.contains("1-3, "), "the laptop autoscaler: {row}");
        assert!(row.ends_with(&deployed.image()), "{row}");
    }
}

#[test]
fn undeploy_removes_the_app_and_its_namespace() {
    let cluster = Cluster::copy_of(&deployed().cluster);
    let output = cluster.kdeploy(&["undeploy", "--overlay", "laptop"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let state = cluster.state();
    let left: Vec<&String> = state
        .as_object()
        .unwrap()
        .values()
        .flat_map(|objs| objs.as_object().unwrap().keys())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_failed_smoke_test_rolls_back_to_the_previous_digest() {
    let before = deployed();
    let cluster = Cluster::copy_of(&before.cluster);
    cluster.set_pods(json!({before.image(): healthy_pods(), "*": broken_pods()}));
    let output = deploy(&before.registry, &cluster);
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("Rolling back to {}", before.image())),
        "{stderr}"
    );
    assert!(
        stderr.contains("Why: GET /health on svc/gateway answered 503"),
        "{stderr}"
    );
    assert_eq!(cluster.image_of("gateway"), before.image());
    let failed = cluster.state()["SpinApp"]["car-ml/gateway"]["metadata"]["annotations"]
        ["deploy.car-ml/previous-image"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(failed.starts_with(&before.registry.repository()) && failed != before.image());
}

#[test]
fn a_rollout_that_never_gets_ready_rolls_back_to_the_previous_digest() {
    let before = deployed();
    let cluster = Cluster::copy_of(&before.cluster);
    cluster.set_pods(json!({before.image(): healthy_pods(), "*": "CrashLoopBackOff"}));
    let output = deploy(&before.registry, &cluster);
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("the rollout of deployment/"), "{stderr}");
    assert_eq!(cluster.image_of("car-value"), before.image());
}

#[test]
fn a_failed_first_deployment_says_there_is_nothing_to_roll_back_to() {
    let registry = Registry::start();
    let cluster = Cluster::new();
    cluster.set_pods(json!({"*": broken_pods()}));
    let output = deploy(&registry, &cluster);
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("There is no earlier version to roll back to"),
        "{stderr}"
    );
}

#[test]
fn dry_run_prints_the_rendered_overlay_and_changes_nothing() {
    let registry = Registry::start();
    let cluster = Cluster::new();
    let output = cluster.kdeploy(&[
        "deploy",
        "--registry",
        &registry.repository(),
        "--overlay",
        "eks",
        "--dry-run",
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains(&format!("Would push {}:0.1.0", registry.repository())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("image: {}:0.1.0", registry.repository())),
        "{stdout}"
    );
    assert!(
        stdout.contains("minReplicas: 10"),
        "the eks overlay: {stdout}"
    );
    assert_eq!(registry.json("_catalog")["repositories"], json!([]));
    assert_eq!(cluster.state(), json!({}));
}

/// The plugin as a user installs and runs it, through the real Spin CLI:
/// `spin plugins install --file` of the package scripts/spin-plugin makes
/// (into a Spin data directory of this test's own), then
/// `SPIN_DEPLOY_PLUGIN=kdeploy spin deploy` (Spin builds and pushes) and
/// `spin kdeploy status`, against the fake cluster.
#[test]
fn spin_deploy_launches_the_installed_plugin() {
    let Some(spin) = spin() else {
        eprintln!("not run: spin is not installed");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let package = data.path().join("package");
    let packaged = Command::new(repo().join("scripts/spin-plugin"))
        .args(["--package", KDEPLOY])
        .arg(&package)
        .output()
        .unwrap();
    assert!(packaged.status.success(), "{}", text(&packaged.stderr));
    let spin_command = |cluster: &Cluster, args: &[&str]| {
        let mut command = cluster.command(&spin, args);
        command
            .env("SPIN_DATA_DIR", data.path().join("spin"))
            .env("SPIN_DEPLOY_PLUGIN", "kdeploy")
            .env_remove("SPIN_BIN_PATH");
        command.output().unwrap()
    };
    let registry = Registry::start();
    let cluster = Cluster::new();
    cluster.set_pods(json!({"*": healthy_pods()}));
    let manifest = package.join("kdeploy.json");
    let installed = spin_command(
        &cluster,
        &[
            "plugins",
            "install",
            "--file",
            manifest.to_str().unwrap(),
            "--yes",
        ],
    );
    assert!(installed.status.success(), "{}", text(&installed.stderr));

    let args = deploy_args(&registry);
    let deployed = spin_command(
        &cluster,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let stdout = text(&deployed.stdout);
    assert!(
        deployed.status.success(),
        "{stdout}\n{}",
        text(&deployed.stderr)
    );
    let image = format!("{}@{}", registry.repository(), digest_of(&stdout));
    assert_eq!(cluster.image_of("gateway"), image);

    let status = spin_command(
        &cluster,
        &["kdeploy", "status", "--context", "test-cluster"],
    );
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(
        text(&status.stdout).contains(&image),
        "{}",
        text(&status.stdout)
    );
}
