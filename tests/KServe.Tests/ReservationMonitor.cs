using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// Watches, for as long as a test runs, that no pod runs beyond the reservations: every pod born behind the gate that
/// is past it holds a placed replica of its object, on that replica's node, and no two pods hold one replica; a pod
/// whose reservation is taken from it (a preemption) is evicted within <see cref="EvictionBound"/>. (A pod KServe made
/// before the watcher first wrote the object was never gated; the watcher evicts it, and it is not judged here.) A
/// pod is judged only when
/// it is past the gate in two reads of the pods taken around the read of the placements (a gate lifted after the
/// first read, or a pod gone before the second, proves nothing either way).
/// </summary>
public sealed class ReservationMonitor : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    public static readonly TimeSpan EvictionBound = TimeSpan.FromSeconds(5);

    private readonly List<string> _violations = [];
    private readonly HashSet<string> _everReserved = [];
    private readonly Dictionary<string, DateTime> _lostSince = [];
    private readonly Task _loop;

    private ReservationMonitor(KServeEnvironment env, FakeKServeWorkloads controllers, Scaled[] watched)
    {
        _loop = RunAsync(env, controllers, watched, _stop.Token);
    }

    public static ReservationMonitor Start(KServeEnvironment env, FakeKServeWorkloads controllers, params Scaled[] watched) => new(env, controllers, watched);

    /// <summary>Stops watching; what it saw go wrong, if anything.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        return _violations;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(KServeEnvironment env, FakeKServeWorkloads controllers, Scaled[] watched, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var scaled in watched)
            {
                var first = Admitted(controllers.Pods(scaled.Namespace, scaled.Deployment));
                var view = await env.Hardware.Model(scaled.Key).GetAsync();
                var second = Admitted(controllers.Pods(scaled.Namespace, scaled.Deployment));
                var judged = second.Where(p => first.Any(f => f.Name == p.Name)).ToList();
                foreach (var pod in judged)
                {
                    var placement = pod.Replica is { } replica ? view?.Placements.FirstOrDefault(r => r.Replica == replica) : null;
                    var reserved = placement is not null && (pod.Node is null || pod.Node == placement.Node);
                    if (reserved)
                    {
                        _everReserved.Add(pod.Name);
                        _lostSince.Remove(pod.Name);
                        continue;
                    }

                    var what = placement is null
                        ? $"runs with replica {pod.Replica?.ToString(CultureInfo.InvariantCulture) ?? "none"}, which holds no reservation (placed: {string.Join(", ", view?.Placements.Select(p => p.Replica) ?? [])})"
                        : $"of replica {pod.Replica} runs on {pod.Node}, its reservation is on {placement.Node}";
                    if (!_everReserved.Contains(pod.Name))
                    {
                        _violations.Add($"{scaled.Key}: pod {pod.Name} {what}");
                    }
                    else if (_lostSince.TryGetValue(pod.Name, out var since) && DateTime.UtcNow - since > EvictionBound)
                    {
                        _violations.Add($"{scaled.Key}: pod {pod.Name} {what} for more than {EvictionBound.TotalSeconds} s after losing it");
                    }
                    else
                    {
                        _lostSince.TryAdd(pod.Name, DateTime.UtcNow);
                    }
                }

                foreach (var shared in judged.Where(p => p.Replica is not null).GroupBy(p => p.Replica).Where(g => g.Count() > 1))
                {
                    _violations.Add($"{scaled.Key}: pods {string.Join(", ", shared.Select(p => p.Name))} share replica {shared.Key}");
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private static List<(string Name, int? Replica, string? Node)> Admitted(IReadOnlyList<JsonObject> pods) =>
        [.. pods.Where(p => FakeKServeWorkloads.WasBornGated(p) && !FakeKServeWorkloads.IsGated(p)).Select(p => (
            p["metadata"]!["name"]!.GetValue<string>(),
            int.TryParse(p["metadata"]?["annotations"]?[KServeWorkloads.ReplicaAnnotation]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? (int?)r : null,
            p["spec"]?["nodeName"]?.GetValue<string>() ?? p["spec"]?["nodeSelector"]?[PredictorWriteBack.HostnameLabel]?.GetValue<string>()))];
}
