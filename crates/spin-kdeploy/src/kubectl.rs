//! kubectl, with the chosen context, every call printed.

use crate::command;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

/// The kubectl to run: `$KUBECTL` (as the repo's scripts take it) or `kubectl`.
pub struct Kubectl {
    program: OsString,
    context: Option<String>,
}

impl Kubectl {
    pub fn new(context: Option<String>) -> Self {
        Self {
            program: std::env::var_os("KUBECTL").unwrap_or_else(|| "kubectl".into()),
            context,
        }
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(&self.program);
        if let Some(context) = &self.context {
            command.args(["--context", context]);
        }
        command.args(args);
        command
    }

    /// Runs kubectl with the terminal's output.
    pub fn run<I, S>(&self, args: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        command::run(&mut self.command(args))
    }

    /// Runs kubectl and returns what it printed.
    pub fn output<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        command::output(&mut self.command(args))
    }

    /// `kubectl get <resource> -n <namespace> -o json`, parsed.
    pub fn get_json(&self, resource: &str, namespace: &str) -> Result<Value> {
        let text = self.output(["get", resource, "-n", namespace, "-o", "json"])?;
        serde_json::from_str(&text)
            .with_context(|| format!("kubectl get {resource} printed no JSON"))
    }

    /// `kubectl kustomize <dir>`: the rendered YAML.
    pub fn kustomize(&self, dir: &Path) -> Result<String> {
        self.output([OsString::from("kustomize"), dir.into()])
    }

    /// Forwards a free local port to port 80 of `service`.
    pub fn port_forward(&self, namespace: &str, service: &str) -> Result<PortForward> {
        let mut command = self.command([
            "port-forward",
            "-n",
            namespace,
            &format!("svc/{service}"),
            ":80",
        ]);
        command::announce(&command);
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run `{}`", command::display(&command)))?;
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut output = BufReader::new(stdout);
        let read = output.read_line(&mut line);
        let mut forward = PortForward {
            child,
            _output: output,
            port: 0,
        };
        read?;
        match forwarded_port(&line) {
            Some(port) => {
                forward.port = port;
                Ok(forward)
            }
            None => bail!(
                "port-forward to svc/{service} did not start: {}",
                line.trim()
            ),
        }
    }
}

/// A running `kubectl port-forward` from a local port; stopped when dropped.
pub struct PortForward {
    child: Child,
    /// Kept open: kubectl reports each connection there, and dies of a closed pipe.
    _output: BufReader<ChildStdout>,
    pub port: u16,
}

impl Drop for PortForward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The local port in kubectl's `Forwarding from 127.0.0.1:40123 -> 80`.
pub fn forwarded_port(line: &str) -> Option<u16> {
    let rest = line.trim().strip_prefix("Forwarding from ")?;
    let (local, _) = rest.split_once(" -> ")?;
    local.rsplit_once(':')?.1.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_port_is_read_from_port_forward_output() {
        assert_eq!(
            forwarded_port("Forwarding from 127.0.0.1:40123 -> 80\n"),
            Some(40123)
        );
        assert_eq!(
            forwarded_port("Forwarding from [::1]:40123 -> 80"),
            Some(40123)
        );
        assert_eq!(
            forwarded_port("error: services \"gateway\" not found"),
            None
        );
    }
}
