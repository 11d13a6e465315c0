using System.Globalization;
using GpuSharing.Grains.Hardware;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Nodes;
using GpuSharing.Grains.Interfaces.Serving;
using GpuSharing.InferenceSimulator;
using GpuSharing.Silo.Nodes;
using Microsoft.Extensions.Options;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// Runs on node silos whose <c>GpuSharing:Node:Runtime</c> is not <c>none</c>. Every round it reads which replicas
/// hold reservations on this node's partitions, keeps the REST deployments' ones placed here (KServe runs its own),
/// starts a server for each replica that has none, replaces one whose deployment or place changed, stops the servers
/// of replicas that left, and reports the node's endpoints to the directory — the whole set, every round, so that the
/// directory is right again one round after any crash.
/// </summary>
public sealed partial class ReplicaRuntimeManager(
    IReplicaRuntime runtime,
    IGrainFactory grains,
    NodeAgentStatus agent,
    IOptions<NodeOptions> options,
    TimeProvider time,
    ILogger<ReplicaRuntimeManager> logger) : BackgroundService
{
    /// <summary>How often the node's replicas are compared with the servers that run.</summary>
    public static readonly TimeSpan Round = TimeSpan.FromSeconds(2);

    private readonly Dictionary<(string Deployment, int Replica), RunningReplica> _running = [];

    private string Node => options.Value.Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (agent.Registered)
                {
                    await ReconcileAsync(stoppingToken); // before the node agent has registered the node there is nothing to serve
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or IOException)
            {
                LogRoundFailed(logger, ex, Node);
            }

            try
            {
                await Task.Delay(Round, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var replica in _running.Values)
        {
            await replica.DisposeAsync();
        }

        _running.Clear();
        try
        {
            await Directory.ReportAsync(Reporter, [], cancellationToken);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException)
        {
            LogRoundFailed(logger, ex, Node); // the directory forgets this node's set when it is not reported again
        }
    }

    private IEndpointDirectoryGrain Directory => grains.GetGrain<IEndpointDirectoryGrain>(Pools.Default);

    private string Reporter => $"node:{Node}";

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var wanted = await WantedAsync(cancellationToken);
        foreach (var (key, replica) in _running.ToList())
        {
            if (!wanted.TryGetValue(key, out var launch) || launch.Identity != replica.Launch.Identity)
            {
                _running.Remove(key);
                await replica.DisposeAsync();
                LogStopped(logger, key.Deployment, key.Replica, Node);
            }
        }

        foreach (var (key, launch) in wanted)
        {
            if (!_running.ContainsKey(key))
            {
                try
                {
                    var started = await runtime.StartAsync(launch, cancellationToken);
                    _running[key] = started;
                    LogStarted(logger, runtime.Kind, key.Deployment, key.Replica, launch.Model.Partition, started.Url.ToString());
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
                {
                    LogStartFailed(logger, ex, runtime.Kind, key.Deployment, key.Replica); // the others still start; this one is tried again next round
                }
            }
        }

        var endpoints = _running.Values
            .Select(r => new ReplicaEndpoint(r.Launch.Deployment, r.Launch.Replica, Node, r.Url.GetLeftPart(UriPartial.Authority), r.Launch.Model.ServedModel, r.Launch.Priority, r.Launch.Model.MaxNumSeqs, runtime.Kind))
            .OrderBy(e => e.Deployment, StringComparer.Ordinal)
            .ThenBy(e => e.Replica)
            .ToList();
        await Directory.ReportAsync(Reporter, endpoints, cancellationToken);
    }

    /// <summary>The REST deployments' replicas placed on this node, from the partitions' reservations and the deployments' own placements.</summary>
    private async Task<Dictionary<(string Deployment, int Replica), ReplicaLaunch>> WantedAsync(CancellationToken cancellationToken)
    {
        var node = await grains.GetGrain<INodeGrain>(Node).GetAsync();
        var wanted = new Dictionary<(string, int), ReplicaLaunch>();
        var deployments = node.Gpus.SelectMany(g => g.Partitions).SelectMany(p => p.Reservations).Select(r => r.Deployment).Distinct(StringComparer.Ordinal);
        foreach (var deployment in deployments)
        {
            var view = await grains.GetGrain<IModelGrain>(deployment).GetAsync().WaitAsync(cancellationToken);
            if (view is null || view.Spec.ManagedBy is not null || view.Sizing is null)
            {
                continue; // gone, or served by its controller (KServe runs its predictor pods)
            }

            foreach (var placement in view.Placements.Where(p => p.Node == Node))
            {
                if (node.Gpus.FirstOrDefault(g => g.Index == placement.Gpu) is { } gpu)
                {
                    wanted[(deployment, placement.Replica)] = Launch(view, placement, gpu);
                }
            }
        }

        return wanted;
    }

    private static ReplicaLaunch Launch(ModelView view, ReplicaPlacement placement, GpuView gpu)
    {
        var key = $"{view.Namespace}/{view.Name}";
        var units = gpu.Partitions.Where(p => p.Index >= placement.FirstPartition && p.Index < placement.FirstPartition + placement.Span).Sum(p => p.ComputeUnits);
        var share = gpu.ComputeUnits > 0 && units > 0 ? Math.Min(1.0, units / (double)gpu.ComputeUnits) : placement.Span / (double)Math.Max(1, (int)placement.ComputeMode);
        var model = new SimulatedModel(
            key,
            view.Sizing!.WeightsBytes,
            view.Sizing.Architecture.ParametersBillions,
            view.Spec.Precision is Precision.Fp8 or Precision.Int8 or Precision.Int4,
            AcceleratorSpec.For(gpu.Model),
            share,
            MaxNumSeqs(placement) ?? view.Sizing.MaxNumSeqs,
            string.Create(CultureInfo.InvariantCulture, $"{placement.Node}/{placement.Gpu}/{placement.FirstPartition}"));
        return new ReplicaLaunch(key, placement.Replica, view.Generation, model, view.Spec.Priority, placement.Binding);
    }

    /// <summary>The sequence limit the binding gives the replica (its KV cache may hold fewer than the spec asks).</summary>
    private static int? MaxNumSeqs(ReplicaPlacement placement)
    {
        var arguments = placement.Binding?.VllmArguments ?? [];
        var at = arguments.ToList().IndexOf(VllmFlags.MaxNumSeqs);
        return at >= 0 && at + 1 < arguments.Count && int.TryParse(arguments[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started a {Runtime} server for {Deployment} replica {Replica} on {Partition}: {Url}")]
    private static partial void LogStarted(ILogger logger, string runtime, string deployment, int replica, string partition, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped the server of {Deployment} replica {Replica} on node {Node}")]
    private static partial void LogStopped(ILogger logger, string deployment, int replica, string node);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not start a {Runtime} server for {Deployment} replica {Replica}; the next round tries again")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string runtime, string deployment, int replica);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving round on node {Node} failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, string node);
}
