using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces.Serving;

namespace GpuSharing.Grains.Serving;

/// <summary>
/// Keeps each reporter's last set of endpoints in memory, with the time it was reported. Sets older than
/// <see cref="Expiry"/> are left out of every answer (their reporter died or lost the cluster) and forgotten.
/// </summary>
[ControlPlanePlacement]
public sealed class EndpointDirectoryGrain(TimeProvider time) : Grain, IEndpointDirectoryGrain
{
    /// <summary>Reporters repeat their set every few seconds; three missed rounds and more mean it is gone.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, (DateTimeOffset At, IReadOnlyList<ReplicaEndpoint> Endpoints)> _reports = new(StringComparer.Ordinal);
    private long _version;

    public Task ReportAsync(string reporter, IReadOnlyList<ReplicaEndpoint> endpoints, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reporter);
        if (!_reports.TryGetValue(reporter, out var before) || !before.Endpoints.SequenceEqual(endpoints))
        {
            _version++;
        }

        _reports[reporter] = (time.GetUtcNow(), [.. endpoints]);
        return Task.CompletedTask;
    }

    public Task<EndpointDirectoryView> ListAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        foreach (var expired in _reports.Where(r => now - r.Value.At > Expiry).Select(r => r.Key).ToList())
        {
            _reports.Remove(expired);
            _version++;
        }

        var endpoints = _reports.Values
            .SelectMany(r => r.Endpoints)
            .OrderBy(e => e.Deployment, StringComparer.Ordinal)
            .ThenBy(e => e.Replica)
            .ToList();
        return Task.FromResult(new EndpointDirectoryView(_version, endpoints));
    }
}
