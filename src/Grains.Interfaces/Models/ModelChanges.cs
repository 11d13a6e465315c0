namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// Deployments whose status or placement changed after a cursor, in order. <see cref="Complete"/> is false when the
/// cursor is from another activation of the index or older than what it keeps: the reader must look at everything.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.ModelChanges")]
public sealed record ModelChanges(ModelChangeCursor Cursor, IReadOnlyList<string> Deployments, bool Complete);
