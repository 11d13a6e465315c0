namespace GpuSharing.EndToEnd.Tests;

/// <summary>What one <c>gpushare</c> run did.</summary>
public sealed record GpuShareResult(int ExitCode, string Stdout, string Stderr, IReadOnlyList<(TimeSpan At, string Text)> Pieces, TimeSpan Took)
{
    public JsonNode Json() => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("gpushare printed JSON null");

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
