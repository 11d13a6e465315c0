using System.Collections.Concurrent;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Placement;

namespace GpuSharing.Grains.Tests;

/// <summary>
/// A FAKE fault, as an incoming call filter on every silo: the placement grain's next <c>PlaceAsync</c> for an armed
/// deployment fails before the grain sees it — the call a silo dying mid-way, or a timeout, loses.
/// </summary>
public sealed class LostPlacementCalls : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<string, bool> _armed = new(StringComparer.Ordinal);
    private int _lost;

    /// <summary>How many calls were lost.</summary>
    public int Lost => Volatile.Read(ref _lost);

    public void LoseNext(string deployment) => _armed[deployment] = true;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(IPlacementGrain.PlaceAsync)
            && context.Request.GetArgument(0) is PlacementRequest request
            && _armed.TryRemove(request.Deployment, out _))
        {
            Interlocked.Increment(ref _lost);
            throw new TimeoutException($"FAKE: the call placing {request.Deployment} was lost");
        }

        await context.Invoke();
    }
}
