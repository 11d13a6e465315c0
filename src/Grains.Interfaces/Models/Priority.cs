namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>A deployment's priority: <c>high</c> may preempt <c>low</c> (then <c>medium</c>) when nothing else fits, never the reverse.</summary>
public enum Priority
{
    Low = 0,
    Medium = 1,
    High = 2,
}
