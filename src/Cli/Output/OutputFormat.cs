namespace GpuSharing.Cli.Output;

/// <summary><c>-o</c>: tables for people (the default), JSON or YAML — the gateway's answer as it is — for scripts.</summary>
public enum OutputFormat
{
    Table,
    Json,
    Yaml,
}
