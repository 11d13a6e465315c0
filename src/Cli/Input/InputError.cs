namespace GpuSharing.Cli.Input;

/// <summary>A file or an argument the CLI cannot use, with where and why; exit code 2.</summary>
public sealed class InputError(string message) : Exception(message);
