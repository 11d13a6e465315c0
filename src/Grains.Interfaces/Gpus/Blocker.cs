namespace GpuSharing.Grains.Interfaces.Gpus;

/// <summary>
/// One thing that keeps a GPU from being reconfigured, typed so that callers decide by <see cref="Kind"/> (the
/// placement grain retries behind an <see cref="BlockerKind.Operation"/>, gives up on anything else), with the text an
/// operator reads.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.Blocker")]
public sealed record Blocker(BlockerKind Kind, string Text)
{
    public override string ToString() => Text;
}
