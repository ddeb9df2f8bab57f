//! `plug MAIN OUT IMPORT=COMPONENT[=EXPORT]...`: writes to OUT the component
//! MAIN composed with each COMPONENT, whose export EXPORT (by default the
//! import's own name) satisfies MAIN's import IMPORT. For example, the
//! sentiment cascade with its two models:
//!
//! ```text
//! plug sentiment_cascade.wasm sentiment_cascade.composed.wasm \
//!     ml:sentiment/analyzer@0.3.0=sentiment.wasm \
//!     ml:sentiment/fallback@0.3.0=sentiment_transformer.wasm=ml:sentiment/analyzer@0.3.0
//! ```

use anyhow::{Context, Result, bail};
use plug::{Dependency, compose};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [main, out, plugs @ ..] = args.as_slice() else {
        bail!("usage: plug MAIN OUT IMPORT=COMPONENT[=EXPORT]...");
    };
    let read = |path: &str| std::fs::read(path).with_context(|| format!("reading {path}"));
    let dependencies = plugs
        .iter()
        .map(|plug| {
            let mut parts = plug.splitn(3, '=');
            let (Some(import), Some(path)) = (parts.next(), parts.next()) else {
                bail!("{plug:?}: expected IMPORT=COMPONENT[=EXPORT]");
            };
            Ok(Dependency {
                import,
                export: parts.next().unwrap_or(import),
                name: path,
                component: read(path)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let composed =
        compose(main, read(main)?, dependencies).with_context(|| format!("composing {main}"))?;
    std::fs::write(out, composed).with_context(|| format!("writing {out}"))
}
