//! `pgproof completions <shell>` and `pgproof man`: generated from the command line's own
//! definition, so they cannot fall behind it.

use super::{emit, Outcome};
use crate::cli::{Cli, CompletionsArgs};
use anyhow::Result;
use clap::CommandFactory;

pub fn completions(args: &CompletionsArgs) -> Result<Outcome> {
    let mut command = Cli::command();
    emit(|out| {
        clap_complete::generate(args.shell, &mut command, "pgproof", out);
        Ok(())
    })?;
    Ok(Outcome::Clean)
}

pub fn man() -> Result<Outcome> {
    let page = clap_mangen::Man::new(Cli::command());
    emit(|out| page.render(out))?;
    Ok(Outcome::Clean)
}
