using GpuSharing.Grains.Planning.Placement;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Placement;

/// <summary>Keeping the fleet right over time: consolidation.</summary>
public sealed partial class PlacementGrain
{
    /// <summary>
    /// Undoes what arrival order did (<see cref="PlacementEngine.Consolidate"/>) while nothing else is going on: no
    /// repartition running. Its moves are carried out like any decision.
    /// </summary>
    private async Task ConsolidateAsync(CancellationToken cancellationToken)
    {
        if (_jobs.Count > 0)
        {
            return;
        }

        await EnsureFleetAsync(cancellationToken);
        var result = _engine.Consolidate();
        if (result.Assigned.Count == 0 && result.Removed.Count == 0)
        {
            return;
        }

        LogConsolidated(logger, result.Moves.Count, result.Preemptions.Count, result.Repartitions.Count);
        await ExecuteAsync(result, focus: null, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consolidated the fleet: {Moves} replica(s) moved, {Preemptions} preempted, {Repartitions} GPU(s) repartitioned")]
    private static partial void LogConsolidated(ILogger logger, int moves, int preemptions, int repartitions);
}
