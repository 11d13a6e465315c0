using System.Collections.Concurrent;
using GpuSharing.Gateway.Configuration;
using GpuSharing.Grains.Interfaces.Serving;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// The deployments the gateway can route to, rebuilt from the endpoint directory on every refresh. A replica keeps
/// its <see cref="ReplicaTarget"/> (health, requests in flight, requests sent) while its URL stays the same, its other
/// details brought up to date, and a deployment keeps its admission (queues, running requests) for as long as it has
/// endpoints.
/// </summary>
public sealed class ServingRoutes(TimeProvider time, IOptions<ServingOptions> options)
{
    private readonly ConcurrentDictionary<string, DeploymentAdmission> _admissions = new(StringComparer.Ordinal);
    private volatile IReadOnlyDictionary<string, DeploymentRoute> _routes = new Dictionary<string, DeploymentRoute>();
    private long _version = -1;

    public IReadOnlyCollection<DeploymentRoute> All => [.. _routes.Values];

    /// <summary>Every replica target, for the health checks.</summary>
    public IEnumerable<ReplicaTarget> Targets => _routes.Values.SelectMany(r => r.Replicas);

    public void Update(EndpointDirectoryView view)
    {
        if (view.Version == Interlocked.Read(ref _version))
        {
            return;
        }

        var previous = _routes.Values.SelectMany(r => r.Replicas).ToDictionary(t => (t.Endpoint.Deployment, t.Endpoint.Replica, t.Endpoint.Url));
        var routes = new Dictionary<string, DeploymentRoute>(StringComparer.Ordinal);
        foreach (var group in view.Endpoints.GroupBy(e => e.Deployment, StringComparer.Ordinal))
        {
            var targets = group.Select(e => Kept(previous, e) ?? new ReplicaTarget(e)).ToList();
            routes[group.Key] = new DeploymentRoute(group.Key, group.First().Priority, targets, _admissions.GetOrAdd(group.Key, _ => new DeploymentAdmission(time, options.Value.HeadroomShare, options.Value.DemandMemory)));
        }

        foreach (var gone in _admissions.Keys.Where(k => !routes.ContainsKey(k)))
        {
            _admissions.TryRemove(gone, out var admission);
            admission?.Resize(0, 0);
        }

        _routes = routes;
        Interlocked.Exchange(ref _version, view.Version);
        Resize();
    }

    /// <summary>Admission follows the replicas that answer: call after every round of health checks.</summary>
    public void Resize()
    {
        foreach (var route in _routes.Values)
        {
            var capacity = route.Capacity;
            route.Admission.Resize(capacity, Math.Max(1, capacity) * options.Value.QueuePerSlot, route.Preemptive);
        }
    }

    /// <summary>
    /// The deployment a request's <c>model</c> names: its <c>{namespace}/{name}</c>, or the model name its servers
    /// know it by when exactly one deployment serves that name. Several: the candidates, for the error.
    /// </summary>
    public (DeploymentRoute? Route, IReadOnlyList<string> Ambiguous) Find(string model)
    {
        var routes = _routes;
        if (routes.TryGetValue(model, out var exact))
        {
            return (exact, []);
        }

        var byServedName = routes.Values.Where(r => r.Replicas.Any(t => t.Endpoint.ServedModel == model)).ToList();
        return byServedName.Count == 1 ? (byServedName[0], []) : (null, [.. byServedName.Select(r => r.Deployment)]);
    }

    // A replica at the same URL stays its target, details and all brought up to date (ReplicaTarget.Refresh).
    private static ReplicaTarget? Kept(Dictionary<(string, int, string), ReplicaTarget> previous, ReplicaEndpoint endpoint)
    {
        if (!previous.TryGetValue((endpoint.Deployment, endpoint.Replica, endpoint.Url), out var kept))
        {
            return null;
        }

        if (kept.Endpoint != endpoint)
        {
            kept.Refresh(endpoint);
        }

        return kept;
    }
}
