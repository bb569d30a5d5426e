/// Errors a user can cause with a config file or an override: values, never stack traces.
namespace Research.Experiments

open System

/// Where a config value came from: a file position, a command-line override, or code.
type Source =
    /// A position in a YAML file (1-based line and column).
    | InFile of path: string * line: int * column: int
    /// A command-line override, kept verbatim.
    | InOverride of text: string
    /// Created by the program (e.g. a key a sweep adds).
    | Generated

    /// The location as a prefix for messages: `file:line`, `override 'x=1'` or `config`.
    member this.Describe =
        match this with
        | InFile(path, 0, _) -> path
        | InFile(path, line, _) -> sprintf "%s:%d" path line
        | InOverride text -> sprintf "override '%s'" text
        | Generated -> "config"

/// A config problem: where it is, what is wrong (one line) and an optional hint (a second line).
type ConfigError =
    { Where: Source
      Message: string
      Hint: string option }

    /// The one- or two-line text printed to stderr.
    member this.Text =
        let first = sprintf "%s: %s" this.Where.Describe this.Message
        match this.Hint with
        | Some hint -> first + Environment.NewLine + "  " + hint
        | None -> first

/// Builders and the script-facing reporting of config errors.
module ConfigError =
    /// The exit code of a script refusing a config (usage error, as in argparse/Hydra).
    [<Literal>]
    let ExitCode = 2

    /// An error at a location.
    let at (where: Source) (message: string) : ConfigError =
        { Where = where; Message = message; Hint = None }

    /// An error at a location with a hint line.
    let withHint (where: Source) (message: string) (hint: string) : ConfigError =
        { Where = where; Message = message; Hint = Some hint }

    /// An error about a whole file (no line).
    let inFile (path: string) (message: string) : ConfigError =
        { Where = (if String.IsNullOrEmpty path then Generated else InFile(path, 0, 0))
          Message = message
          Hint = None }

    /// Writes the error to stderr and returns <see cref="ExitCode"/>, for scripts: `exit (ConfigError.report e)`.
    let report (error: ConfigError) : int =
        eprintfn "error: %s" error.Text
        ExitCode
