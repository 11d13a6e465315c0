using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Placement;

/// <summary>Repartition jobs (<see cref="RepartitionJobs"/> decides; this part calls the node and reserves).</summary>
public sealed partial class PlacementGrain
{
    /// <summary>Starts jobs (one node-wide change per node at a time) and finishes those whose operation ended.</summary>
    private async Task AdvanceJobsAsync(CancellationToken cancellationToken)
    {
        foreach (var job in _jobs.All.ToList())
        {
            try
            {
                await AdvanceAsync(job, cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogJobError(logger, ex, job.Node, job.Gpu);
            }
        }

        if (_jobs.Count == 0)
        {
            _jobTimer?.Dispose();
            _jobTimer = null;
        }
    }

    private async Task AdvanceAsync(RepartitionJob job, CancellationToken cancellationToken)
    {
        var node = GrainFactory.GetGrain<INodeGrain>(job.Node);
        var gpu = await node.GetGpuAsync(job.Gpu);
        var (step, reason) = _jobs.Next(job, gpu, time.GetUtcNow());
        if (step == RepartitionJobStep.Request)
        {
            var decision = await node.RequestPartitioningAsync(job.Gpu, new PartitioningRequest(job.Target.ComputeMode, job.Target.MemoryMode), cancellationToken);
            (step, reason) = _jobs.Accept(job, decision);
            if (decision.Outcome == PartitioningOutcome.Accepted)
            {
                LogJobStarted(logger, job.Node, job.Gpu, job.Target.ToString(), job.OperationId!);
            }
        }

        switch (step)
        {
            case RepartitionJobStep.Complete:
                await CompleteAsync(job, gpu!, cancellationToken);
                break;
            case RepartitionJobStep.Fail:
                await FailAsync(job, reason!, cancellationToken);
                break;
        }
    }

    private async Task CompleteAsync(RepartitionJob job, GpuView gpu, CancellationToken cancellationToken)
    {
        _jobs.Remove(job);
        _gpus[Gpu(job.Node, job.Gpu)] = gpu;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var assignment in job.Waiting)
        {
            touched.Add(assignment.Deployment);
            if (await ReserveAsync(assignment, cancellationToken) is { } refusal)
            {
                await WithdrawAsync(assignment.Deployment, [refusal], cancellationToken);
            }
        }

        LogJobFinished(logger, job.Node, job.Gpu, job.Target.ToString(), job.Waiting.Count);
        foreach (var deployment in touched)
        {
            Notify(Update(deployment));
        }
    }


    private Task FailAsync(RepartitionJob job, string reason, CancellationToken cancellationToken)
    {
        _jobs.Remove(job);
        _dirty = true; // the engine counted on a layout the GPU does not have
        LogJobFailed(logger, job.Node, job.Gpu, job.Target.ToString(), reason);
        foreach (var deployment in job.Waiting.Select(w => w.Deployment).Distinct(StringComparer.Ordinal))
        {
            _unplaced[deployment] = [.. job.Waiting.Where(w => w.Deployment == deployment).Select(w => new UnplacedReplicaInfo(w.Replica, new PlacementExplanation(
                $"Replica {w.Replica}: GPU {job.Node}/{job.Gpu} could not be repartitioned to {job.Target} ({reason}); it will be placed again.",
                new Dictionary<RejectionReason, int> { [RejectionReason.NotSchedulable] = 1 },
                [new GpuRejection(job.Node, job.Gpu, RejectionReason.NotSchedulable, reason)],
                1)))];
            Notify(Update(deployment));
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Repartitioning {Node}/{Gpu} to {Target} (operation {Operation})")]
    private static partial void LogJobStarted(ILogger logger, string node, int gpu, string target, string operation);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node}/{Gpu} is {Target}: reserving {Count} waiting replica(s)")]
    private static partial void LogJobFinished(ILogger logger, string node, int gpu, string target, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repartitioning {Node}/{Gpu} to {Target} failed: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, string node, int gpu, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Advancing the repartition of {Node}/{Gpu} failed; retrying")]
    private static partial void LogJobError(ILogger logger, Exception exception, string node, int gpu);
}
