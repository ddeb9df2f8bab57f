//! Running external commands, each printed before it runs (`$ kubectl ...`
//! on standard error), so a user can see and repeat every step.

use anyhow::{Context, Result, bail};
use std::process::{Command, Stdio};

/// The command as a shell line, arguments quoted where a shell needs it.
pub fn display(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|arg| quote(&arg.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Prints the command line.
pub fn announce(command: &Command) {
    eprintln!("$ {}", display(command));
}

/// Runs `command` with the terminal's output; an error if it fails.
pub fn run(command: &mut Command) -> Result<()> {
    announce(command);
    let status = command
        .status()
        .with_context(|| format!("cannot run `{}`", display(command)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(command));
    }
    Ok(())
}

/// Runs `command` and returns its standard output (its errors go to the terminal).
pub fn output(command: &mut Command) -> Result<String> {
    announce(command);
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run `{}`", display(command)))?;
    if !output.status.success() {
        bail!("`{}` failed ({})", display(command), output.status);
    }
    String::from_utf8(output.stdout)
        .with_context(|| format!("`{}` printed non-UTF-8", display(command)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_quotes_only_what_a_shell_needs_quoted() {
        let mut command = Command::new("kubectl");
        command.args(["apply", "--dry-run=server", "-f", "/tmp/a b.yaml", "it's"]);
        assert_eq!(
            display(&command),
            r"kubectl apply --dry-run=server -f '/tmp/a b.yaml' 'it'\''s'"
        );
    }
}
