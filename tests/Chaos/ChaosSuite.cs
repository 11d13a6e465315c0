using System.Diagnostics;
using System.Net.Http.Json;

namespace GpuSharing.Chaos;

/// <summary>
/// Runs the suites on one cluster, one after another: silo chaos (node and control silos killed and restarted in turn
/// under load, then convergence), storage outages (Azurite frozen, then cut off, under load), and the input fuzzer; the
/// fleet is audited after each. Progress goes to <paramref name="progress"/>.
/// </summary>
public sealed class ChaosSuite(ChaosSettings settings, TextWriter progress, string? logDirectory = null)
{
    private static readonly string[] Victims = ["node-b", "control-1", "node-a", "control-2"];
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public async Task<ChaosReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new ChaosReport(settings);
        Say("starting Azurite, 2 control silos, 2 node silos (2 simulated MI300X each) and a gateway");
        await using var cluster = await ChaosCluster.StartAsync(settings.Reconciliation, cancellationToken);
        cluster.LogDirectory = logDirectory;
        try
        {
            var ledger = new Ledger();
            await SiloChaosAsync(cluster, ledger, report, cancellationToken);
            await StorageOutagesAsync(cluster, ledger, report, cancellationToken);
            await FuzzAsync(cluster, ledger, report, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"The chaos suite could not go on: {ex.Message}\n{report.Describe()}\n{cluster.Logs()}", ex);
        }

        report.Elapsed = _clock.Elapsed;
        return report;
    }

    private async Task SiloChaosAsync(ChaosCluster cluster, Ledger ledger, ChaosReport report, CancellationToken cancellationToken)
    {
        Say($"silo chaos: {settings.Kills} kill(s) under a seeded load ({settings.Deployments} deployments, {settings.Workers} workers)");
        var load = new LoadGenerator(cluster.Http, ledger, report.SiloLoad, settings.Seed, settings.Deployments, settings.Workers, _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = load.RunAsync(stop.Token);
        await Task.Delay(settings.Between, cancellationToken);
        var lastRestart = Stopwatch.GetTimestamp();
        for (var kill = 0; kill < settings.Kills; kill++)
        {
            var victim = Victims[kill % Victims.Length];
            Say($"  kill -9 {victim}");
            await cluster.KillAsync(victim);
            report.Kills.Add(victim);
            await Task.Delay(settings.Down, cancellationToken);
            await cluster.StartAsync(victim, cancellationToken);
            lastRestart = Stopwatch.GetTimestamp();
            Say($"  {victim} restarted; {load.Operations} operations so far");
            await Task.Delay(settings.Between, cancellationToken);
        }

        await stop.CancelAsync();
        await running;
        report.SiloOperations = load.Operations;
        Say($"  load stopped: {report.SiloLoad.Describe()}");
        (report.AfterSiloChaos, report.ConvergedAfterLastKill) = await ConvergeAsync(cluster, ledger, lastRestart, cancellationToken);
        Say($"  {report.AfterSiloChaos.Describe()}");
    }

    private async Task StorageOutagesAsync(ChaosCluster cluster, Ledger ledger, ChaosReport report, CancellationToken cancellationToken)
    {
        if (!cluster.Storage.IsPrivate)
        {
            Say("storage outages: skipped (Azurite is not ours to stop: GPU_SHARING_AZURITE names it)");
            return;
        }

        foreach (var kind in new[] { "frozen", "unreachable" })
        {
            Say($"storage {kind} for {settings.Outage.TotalSeconds:0} s under load");
            var stats = new RequestStats();
            var load = new LoadGenerator(cluster.Http, ledger, stats, settings.Seed + 1, settings.Deployments, settings.Workers, _time);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = load.RunAsync(stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            if (kind == "frozen")
            {
                await cluster.Storage.FreezeAsync(true);
                await Task.Delay(settings.Outage, cancellationToken);
                await cluster.Storage.FreezeAsync(false);
            }
            else
            {
                // Connections reset and refused, as when storage dies — not a SIGKILL of Azurite itself: its disk store
                // saves every 5 s, so a SIGKILL sends storage back in time, which Azure storage never does.
                cluster.StoragePath!.Cut();
                await Task.Delay(settings.Outage, cancellationToken);
                cluster.StoragePath.Restore();
            }

            var back = Stopwatch.GetTimestamp();
            var recovery = await FirstWriteAsync(cluster, stats, back, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            await stop.CancelAsync();
            await running;
            report.Outages.Add(new OutageFigures(kind, settings.Outage, stats, recovery));
            Say($"  {report.Outages[^1].Describe()}");
        }

        (report.AfterStorageOutage, _) = await ConvergeAsync(cluster, ledger, Stopwatch.GetTimestamp(), cancellationToken);
        Say($"  {report.AfterStorageOutage.Describe()}");
    }

    private async Task FuzzAsync(ChaosCluster cluster, Ledger ledger, ChaosReport report, CancellationToken cancellationToken)
    {
        Say($"fuzzer: {settings.FuzzRequests} malformed requests over the OpenAPI document");
        report.Fuzz = await new InputFuzzer(cluster.Http, settings.Seed).RunAsync(settings.FuzzRequests, cancellationToken);
        Say($"  {report.Fuzz.Describe()}");
        (report.AfterFuzz, _) = await ConvergeAsync(cluster, ledger, Stopwatch.GetTimestamp(), cancellationToken);
        Say($"  {report.AfterFuzz.Describe()}");
    }

    /// <summary>A write that must reach storage (a spec change of a probe deployment), tried until one is accepted.</summary>
    private async Task<TimeSpan?> FirstWriteAsync(ChaosCluster cluster, RequestStats stats, long since, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * 120L);
        for (var probe = 0; Stopwatch.GetTimestamp() < deadline; probe++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await cluster.Http.PutAsJsonAsync("/api/v1/models/probe/storage", new { model = "phi-3-mini", maxNumSeqs = 8 + (probe % 8), priority = "low" }, cancellationToken);
                stats.Record(response, "PUT probe/storage", await response.Content.ReadAsStringAsync(cancellationToken), Stopwatch.GetElapsedTime(started));
                if (response.IsSuccessStatusCode)
                {
                    return Stopwatch.GetElapsedTime(since);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                stats.RecordNoAnswer(Stopwatch.GetElapsedTime(started));
            }

            await Task.Delay(250, cancellationToken);
        }

        return null;
    }

    /// <summary>Audits until reservations and deployments agree and every node is back (or the time is up); the time it took.</summary>
    private async Task<(AuditResult Audit, TimeSpan? After)> ConvergeAsync(ChaosCluster cluster, Ledger ledger, long since, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * settings.ConvergeTimeout.TotalSeconds);
        AuditResult? last = null;
        var said = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                last = await FleetAudit.AuditAsync(cluster.Http, ledger, cancellationToken);
                if (last.Converged)
                {
                    return (last, Stopwatch.GetElapsedTime(since));
                }

                if (Stopwatch.GetElapsedTime(said) > TimeSpan.FromSeconds(15))
                {
                    said = Stopwatch.GetTimestamp();
                    Say($"  converging: {last.Describe().Replace("\n", "\n    ", StringComparison.Ordinal)}");
                }
            }
            catch (HttpRequestException)
            {
                // 503 while the cluster settles: ask again
            }

            await Task.Delay(500, cancellationToken);
        }

        return (last ?? await FleetAudit.AuditAsync(cluster.Http, ledger, cancellationToken), null);
    }

    private void Say(string message) => progress.WriteLine($"[chaos {_clock.Elapsed.TotalSeconds,6:0.0} s] {message}");
}
