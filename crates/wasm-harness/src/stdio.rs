//! Components' standard output and error, written as `spin up` writes them:
//! appended to `<log dir>/<component>_stdout.txt` and `_stderr.txt`, and
//! echoed to the host's standard error for the components it follows.
//!
//! A composed dependency runs in its dependent's instance, so it writes to
//! the dependent's files (the models' output in the gateway's routes goes to
//! `gateway_stdout.txt`), as on Spin.
//!
//! As Spin's `StdioLoggingExecutorHooks::prepare_instance` does, the log files
//! are opened for each instance (each request) and closed with it, and each
//! guest write is one `write` to the file: a request pays for its log files
//! on the harness what it pays on `spin up`.

use anyhow::{Context, Result};
use bytes::Bytes;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

/// Which components' output is echoed to the host's standard error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Follow {
    /// None (`spin up --quiet`).
    #[default]
    None,
    /// Only these (`spin up --follow <id>`).
    Named(BTreeSet<String>),
    /// All (`spin up`'s default).
    All,
}

impl Follow {
    fn follows(&self, component: &str) -> bool {
        match self {
            Follow::None => false,
            Follow::Named(ids) => ids.contains(component),
            Follow::All => true,
        }
    }
}

/// Where a component's output goes: its log files, if any, and whether it
/// is echoed.
#[derive(Debug, Clone)]
pub(crate) struct ComponentStdio {
    stdout: Option<PathBuf>,
    stderr: Option<PathBuf>,
    follow: bool,
}

impl ComponentStdio {
    /// The output of component `id`: log files in `log_dir`, if any (the
    /// directory must exist; the files are created on first use).
    pub fn new(id: &str, log_dir: Option<&Path>, follow: &Follow) -> Self {
        ComponentStdio {
            stdout: log_dir.map(|dir| log_file(dir, id, "stdout")),
            stderr: log_dir.map(|dir| log_file(dir, id, "stderr")),
            follow: follow.follows(id),
        }
    }

    /// Opens (creating, appending) the log files for one instance: its
    /// standard output and error.
    pub fn open(&self) -> Result<(Output, Output)> {
        let open = |path: &Option<PathBuf>| -> Result<Option<Arc<File>>> {
            path.as_ref()
                .map(|path| {
                    File::options()
                        .create(true)
                        .append(true)
                        .open(path)
                        .map(Arc::new)
                        .with_context(|| format!("opening the log file {}", path.display()))
                })
                .transpose()
        };
        let stdout = Output {
            file: open(&self.stdout)?,
            follow: self.follow,
        };
        let file = open(&self.stderr)?;
        // A component's errors are never lost: with neither a file nor a
        // follower they go to the host's standard error.
        let follow = self.follow || file.is_none();
        Ok((stdout, Output { file, follow }))
    }
}

/// `<log dir>/<component>_<stream>.txt`, as Spin names them.
pub fn log_file(log_dir: &Path, component: &str, stream: &str) -> PathBuf {
    let safe: String = component
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    log_dir.join(format!("{safe}_{stream}.txt"))
}

/// One of an instance's output streams: its log file and whether it is
/// echoed. Each guest write is one `write` to the file (opened to append),
/// so lines written by concurrent instances do not interleave.
#[derive(Clone)]
pub(crate) struct Output {
    file: Option<Arc<File>>,
    follow: bool,
}

impl Output {
    fn write_bytes(&self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(file) = &self.file {
            (&**file).write_all(bytes)?;
        }
        if self.follow {
            std::io::stderr().write_all(bytes)?;
        }
        Ok(())
    }
}

impl IsTerminal for Output {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Output {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Output {
    async fn ready(&mut self) {}
}

impl OutputStream for Output {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes)
            .map_err(|error| StreamError::LastOperationFailed(error.into()))
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for Output {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.write_bytes(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
