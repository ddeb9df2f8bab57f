//! `kdeploy`, a Spin plugin that deploys car-ml to a SpinKube cluster.
//!
//! Spin 4 runs `spin deploy ARGS` as `spin $SPIN_DEPLOY_PLUGIN deploy ARGS`
//! (spinframework/spin, src/commands/cloud.rs), and runs a plugin as a child
//! process with `SPIN_BIN_PATH` set to its own executable, next to
//! `SPIN_VERSION` and friends (src/commands/external.rs,
//! `get_env_vars_map`). This plugin builds and pushes through that Spin; run
//! without Spin, it builds with `scripts/build-wasm` and pushes the same image
//! itself (see `oci`), and says so.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use spin_kdeploy::kubectl::Kubectl;
use spin_kdeploy::reference::{ImageRef, pushed_digest};
use spin_kdeploy::{command, oci, render, smoke, status};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasm_harness::manifest::Manifest;

/// Deploy car-ml to a SpinKube cluster: build, push, apply, verify, roll back.
#[derive(Parser)]
#[command(name = "spin kdeploy", bin_name = "spin kdeploy", version)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Build and push the app, apply an overlay pinned to the pushed digest,
    /// wait for the rollouts and smoke-test every route; roll back on failure.
    Deploy(Deploy),
    /// Show what runs: each service's image digest, replicas and autoscaler.
    Status(Cluster),
    /// Remove the app (the overlay's objects, namespace included) from the cluster.
    Undeploy(Undeploy),
    /// Log in to a registry (`spin login` with this plugin): runs `spin registry login`.
    Login(Login),
}

#[derive(Args)]
struct Cluster {
    /// The kubeconfig context to use [default: kubectl's current context].
    #[arg(long, value_name = "CONTEXT")]
    context: Option<String>,
    /// The namespace the overlays deploy to.
    #[arg(short = 'n', long, default_value = "car-ml")]
    namespace: String,
}

#[derive(Args)]
struct App {
    /// The application: a manifest (spin.toml) file, or a directory that holds one.
    #[arg(
        short = 'f',
        long = "from",
        alias = "file",
        default_value = "spin.toml"
    )]
    from: PathBuf,
    /// The kustomize overlay to apply, a directory of k8s/overlays (laptop or eks).
    #[arg(long, default_value = "laptop")]
    overlay: String,
}

#[derive(Args)]
struct Deploy {
    /// Where to push: <registry>/<repository>[:<tag>]; the tag defaults to the
    /// app's version. E.g. ghcr.io/you/car-ml
    #[arg(long, value_name = "REFERENCE")]
    registry: String,
    #[command(flatten)]
    app: App,
    #[command(flatten)]
    cluster: Cluster,
    /// Push over plain HTTP, ignoring certificates (a local registry), as
    /// `spin registry push --insecure`.
    #[arg(short = 'k', long)]
    insecure: bool,
    /// Print what would be pushed and applied, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// How long each Deployment's rollout may take.
    #[arg(long, default_value = "300s", value_name = "DURATION")]
    rollout_timeout: String,
}

#[derive(Args)]
struct Undeploy {
    #[command(flatten)]
    app: App,
    #[command(flatten)]
    cluster: Cluster,
}

#[derive(Args)]
struct Login {
    /// Passed to `spin registry login`, e.g. `--username u --password-stdin ghcr.io`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Commands::Deploy(deploy) => deploy.run(),
        Commands::Status(cluster) => show_status(&cluster),
        Commands::Undeploy(undeploy) => undeploy.run(),
        Commands::Login(login) => {
            let spin = spin_binary()
                .context("`spin login` with kdeploy runs `spin registry login`: install Spin")?;
            command::run(
                Command::new(spin)
                    .args(["registry", "login"])
                    .args(login.args),
            )
        }
    }
}

/// The Spin to build and push with: the one that launched the plugin, or
/// `spin` on PATH; `None` when there is no Spin.
fn spin_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SPIN_BIN_PATH").filter(|path| !path.is_empty()) {
        return Some(path.into());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("spin"))
        .find(|path| path.is_file())
}

impl App {
    /// The manifest file, and the overlay directory beside it.
    fn locate(&self) -> Result<(PathBuf, PathBuf)> {
        let manifest = if self.from.is_dir() {
            self.from.join("spin.toml")
        } else {
            self.from.clone()
        };
        let manifest = std::path::absolute(&manifest)?;
        if !manifest.is_file() {
            bail!(
                "no application manifest at {}: pass -f <path to spin.toml>",
                manifest.display()
            );
        }
        let overlays = manifest
            .parent()
            .expect("a file has a parent")
            .join("k8s/overlays");
        let overlay = overlays.join(&self.overlay);
        if !overlay.join("kustomization.yaml").is_file() {
            let known: Vec<String> = std::fs::read_dir(&overlays)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            bail!(
                "no overlay `{}` in {}; there are: {}",
                self.overlay,
                overlays.display(),
                known.join(", ")
            );
        }
        Ok((manifest, overlay))
    }
}

impl Deploy {
    fn run(self) -> Result<()> {
        let (spin_toml, overlay) = self.app.locate()?;
        let manifest = Manifest::load(&spin_toml)?;
        let version = manifest.application.version.as_deref().unwrap_or("latest");
        let target = ImageRef::parse(&self.registry, version)?;
        let kubectl = Kubectl::new(self.cluster.context.clone());
        let namespace = &self.cluster.namespace;
        let spin = spin_binary();

        if self.dry_run {
            println!("Dry run: nothing is built, pushed or applied.");
            match &spin {
                Some(spin) => println!("Would build and push with {}", spin.display()),
                None => println!(
                    "Would build with scripts/build-wasm and push with kdeploy's own OCI push (no Spin found)"
                ),
            }
            println!(
                "Would push {} (dependencies composed into the gateway)",
                target.tagged()
            );
            println!(
                "Would apply overlay {}, with the pushed digest in place of the tag:\n",
                self.app.overlay
            );
            let (_dir, rendered) = render_overlay(&kubectl, &overlay, &target.tagged(), None)?;
            print!("{}", std::fs::read_to_string(rendered)?);
            return Ok(());
        }

        println!("Building {}...", manifest.application.name);
        let app_dir = spin_toml.parent().expect("a file has a parent");
        match &spin {
            Some(spin) => command::run(Command::new(spin).arg("build").arg("-f").arg(&spin_toml))?,
            None => {
                eprintln!(
                    "Spin is not installed (no SPIN_BIN_PATH, no `spin` on PATH): building with \
                     scripts/build-wasm and pushing with kdeploy's own OCI push, the same image \
                     layout as `spin registry push`."
                );
                command::run(Command::new(app_dir.join("scripts/build-wasm")).current_dir(app_dir))?
            }
        }

        println!("Pushing {}...", target.tagged());
        let digest = match &spin {
            Some(spin) => {
                let mut push = Command::new(spin);
                push.args(["registry", "push", "-f"]).arg(&spin_toml);
                if self.insecure {
                    push.arg("--insecure");
                }
                let output = command::output(push.arg(target.tagged()))?;
                print!("{output}");
                pushed_digest(&output).context("`spin registry push` reported no digest")?
            }
            None => {
                let image = oci::assemble(
                    &manifest,
                    oci::composed_components(&manifest)?,
                    &oci::now_rfc3339(),
                );
                oci::push(&image, &target, self.insecure)
                    .with_context(|| format!("cannot push {}", target.tagged()))?
            }
        };
        let image = target.with_digest(&digest);
        println!("Pushed {image}");

        let previous = render::running_image(&kubectl.get_json("spinapps", namespace)?);
        println!("Applying overlay {}...", self.app.overlay);
        apply(&kubectl, &overlay, &image, previous.as_deref())?;
        let failure = match verify(&kubectl, namespace, &self.rollout_timeout) {
            Ok(()) => return report(&kubectl, namespace, &self.app.overlay, &image, &digest),
            Err(failure) => failure,
        };
        let Some(back) = render::rollback_target(previous.as_deref(), &image) else {
            bail!(
                "the deployment of {image} failed: {failure}\nThere is no earlier version to roll \
                 back to; it is left as it is for you to inspect (`spin kdeploy undeploy` removes it)."
            );
        };
        eprintln!("Error: {failure}\nRolling back to {back}...");
        apply(&kubectl, &overlay, back, Some(&image))?;
        verify(&kubectl, namespace, &self.rollout_timeout)
            .map_err(|again| anyhow!("the rollback to {back} failed too: {again}"))?;
        bail!("the deployment of {image} failed, and {back} runs again.\nWhy: {failure}")
    }
}

/// Renders `overlay` pinned to `image` through a wrapper kustomization in a
/// temporary directory under the app's `target/`; returns the directory
/// (removed when dropped) and the rendered file.
fn render_overlay(
    kubectl: &Kubectl,
    overlay: &Path,
    image: &str,
    previous: Option<&str>,
) -> Result<(tempfile::TempDir, PathBuf)> {
    // kustomize takes no absolute paths: the wrapper reaches the overlay
    // relatively, from <app>/target/<temporary>/.
    let app_dir = overlay
        .ancestors()
        .nth(3)
        .expect("overlays live in <app>/k8s/overlays/<name>");
    let scratch = app_dir.join("target");
    std::fs::create_dir_all(&scratch)?;
    let dir = tempfile::Builder::new()
        .prefix("kdeploy-")
        .tempdir_in(&scratch)?;
    let relative = Path::new("../..").join(overlay.strip_prefix(app_dir)?);
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        render::wrapper_kustomization(&relative, image, previous),
    )?;
    let yaml = kubectl.kustomize(dir.path())?;
    let rendered = dir.path().join("rendered.yaml");
    std::fs::write(&rendered, yaml)?;
    Ok((dir, rendered))
}

/// Applies `overlay` pinned to `image`: a server-side dry run (the API server
/// and the operator's webhooks check everything), then for real.
fn apply(kubectl: &Kubectl, overlay: &Path, image: &str, previous: Option<&str>) -> Result<()> {
    let (_dir, rendered) = render_overlay(kubectl, overlay, image, previous)?;
    kubectl.run([
        "apply".as_ref(),
        "--dry-run=server".as_ref(),
        "-f".as_ref(),
        rendered.as_os_str(),
    ])?;
    kubectl.run(["apply".as_ref(), "-f".as_ref(), rendered.as_os_str()])
}

/// Waits for every SpinApp's Deployment to roll out, then smoke-tests; the
/// failure in words.
fn verify(kubectl: &Kubectl, namespace: &str, timeout: &str) -> Result<(), String> {
    let spinapps = kubectl
        .get_json("spinapps", namespace)
        .map_err(|error| format!("{error:#}"))?;
    let timeout = format!("--timeout={timeout}");
    for name in render::spinapp_names(&spinapps) {
        let deployment = format!("deployment/{name}");
        kubectl
            .run([
                "wait",
                "--for=create",
                &deployment,
                "-n",
                namespace,
                &timeout,
            ])
            .and_then(|()| {
                kubectl.run(["rollout", "status", &deployment, "-n", namespace, &timeout])
            })
            .map_err(|error| format!("the rollout of {deployment} did not finish: {error:#}"))?;
    }
    println!("Smoke-testing every route...");
    smoke::run(kubectl, namespace)
}

/// The success report: image, digest and where to reach the app.
fn report(
    kubectl: &Kubectl,
    namespace: &str,
    overlay: &str,
    image: &str,
    digest: &str,
) -> Result<()> {
    println!("\nDeployed car-ml (overlay {overlay}) to namespace {namespace}.");
    println!("Image:  {image}\nDigest: {digest}");
    let urls = render::ingress_urls(&kubectl.get_json("ingress", namespace)?);
    if urls.is_empty() {
        println!("The Ingress has no address yet (`kubectl -n {namespace} get ingress car-ml`).");
    }
    for url in urls {
        println!("URL:    {url}");
    }
    println!(
        "Or:     kubectl -n {namespace} port-forward svc/gateway 8080:80, then http://localhost:8080/"
    );
    Ok(())
}

fn show_status(cluster: &Cluster) -> Result<()> {
    let kubectl = Kubectl::new(cluster.context.clone());
    let namespace = &cluster.namespace;
    let spinapps = kubectl.get_json("spinapps", namespace)?;
    if render::spinapp_names(&spinapps).is_empty() {
        println!("car-ml is not deployed in namespace {namespace}.");
        return Ok(());
    }
    let deployments = kubectl.get_json("deployments", namespace)?;
    let hpas = kubectl.get_json("hpa", namespace)?;
    print!("{}", status::table(&spinapps, &deployments, &hpas));
    Ok(())
}

impl Undeploy {
    fn run(self) -> Result<()> {
        let (_, overlay) = self.app.locate()?;
        let kubectl = Kubectl::new(self.cluster.context.clone());
        let dir = tempfile::tempdir()?;
        let rendered = dir.path().join("rendered.yaml");
        std::fs::write(&rendered, kubectl.kustomize(&overlay)?)?;
        kubectl.run([
            "delete".as_ref(),
            "--ignore-not-found".as_ref(),
            "-f".as_ref(),
            rendered.as_os_str(),
        ])?;
        println!("Removed car-ml (overlay {}).", self.app.overlay);
        Ok(())
    }
}
