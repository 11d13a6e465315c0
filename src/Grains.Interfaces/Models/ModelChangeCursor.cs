namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>A position in the index's change feed: the activation it belongs to and a sequence number in it.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.ModelChangeCursor")]
public sealed record ModelChangeCursor(Guid Epoch, long Sequence);
