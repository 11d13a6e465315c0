using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>What laying out a set of nodes afresh came to: replicas of those nodes left without a place, every place lost on the way (with preemptions elsewhere), moved replicas given less KV cache.</summary>
internal sealed record RelayoutOutcome(IReadOnlyList<SlotReservation> Lost, IReadOnlyList<Priority> LostPriorities, int Shrunk, string Reason);
