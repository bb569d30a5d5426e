/// Experiment configuration (YAML → typed records). Filled in by the experiments issue.
module Research.Experiments.Config

/// The device names a config may give (DESIGN §9: `device: auto|cpu|cuda`).
type DeviceChoice =
    | Auto
    | Cpu
    | Cuda

/// Parses a `device:` value; the error names the key and the value.
let parseDevice (value: string) : Result<DeviceChoice, string> =
    match value.Trim().ToLowerInvariant() with
    | "auto" -> Ok Auto
    | "cpu" -> Ok Cpu
    | "cuda" -> Ok Cuda
    | other -> Error(sprintf "device: '%s' is not one of auto, cpu, cuda" other)
