namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// Why a replica is not placed: a sentence, how many GPUs were turned down for each reason, and the GPUs themselves
/// (all of them up to a limit, so that a large fleet gives a readable answer). <see cref="FitsNoGpu"/>: not even an
/// empty GPU of the fleet could hold it, so waiting will not help.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PlacementExplanation")]
public sealed record PlacementExplanation(string Summary, IReadOnlyDictionary<RejectionReason, int> Counts, IReadOnlyList<GpuRejection> Gpus, int GpusConsidered, bool FitsNoGpu = false);
