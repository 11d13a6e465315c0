using System.Text;

namespace GpuSharing.Chaos;

/// <summary>The figures of one run of the suites, and the guarantees they break (none, when all is well).</summary>
public sealed class ChaosReport(ChaosSettings settings)
{
    public ChaosSettings Settings { get; } = settings;

    public List<string> Kills { get; } = [];

    public RequestStats SiloLoad { get; } = new();

    public int SiloOperations { get; set; }

    public AuditResult? AfterSiloChaos { get; set; }

    /// <summary>From the restart of the last killed silo until reservations and deployments agree and every node is back.</summary>
    public TimeSpan? ConvergedAfterLastKill { get; set; }

    public List<OutageFigures> Outages { get; } = [];

    public AuditResult? AfterStorageOutage { get; set; }

    public FuzzReport? Fuzz { get; set; }

    public AuditResult? AfterFuzz { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>Every guarantee this run broke, in words.</summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();
        if (SiloLoad.ServerErrors > 0)
        {
            violations.Add($"silo chaos: {SiloLoad.ServerErrors} answer(s) ≥ 500 other than 503/504");
        }

        if (SiloLoad.UnavailableWithoutRetryAfter > 0)
        {
            violations.Add($"silo chaos: {SiloLoad.UnavailableWithoutRetryAfter} 503(s) without Retry-After");
        }

        Audit("silo chaos", AfterSiloChaos, violations);
        if (ConvergedAfterLastKill is null)
        {
            violations.Add($"silo chaos: did not converge within {Settings.ConvergeTimeout.TotalSeconds:0} s of the last restart");
        }

        foreach (var outage in Outages)
        {
            if (outage.Stats.ServerErrors > 0 || outage.Stats.UnavailableWithoutRetryAfter > 0)
            {
                violations.Add($"storage {outage.Kind}: {outage.Stats.ServerErrors} answer(s) ≥ 500 other than 503/504, {outage.Stats.UnavailableWithoutRetryAfter} 503(s) without Retry-After");
            }

            if (outage.Recovery is null)
            {
                violations.Add($"storage {outage.Kind}: writes never succeeded again");
            }
        }

        Audit("storage outage", AfterStorageOutage, violations);
        if (Fuzz is { } fuzz && (fuzz.ServerErrors.Count > 0 || fuzz.NotProblemDetails.Count > 0))
        {
            violations.Add($"fuzzer: {fuzz.ServerErrors.Count} answer(s) ≥ 500, {fuzz.NotProblemDetails.Count} 4xx without problem details");
        }

        Audit("after the fuzzer", AfterFuzz, violations);
        return violations;
    }

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"Chaos suites ({(Settings.Long ? "long" : "short")}, seed {Settings.Seed}, reconciliation every {Settings.Reconciliation.TotalSeconds:0} s) in {Elapsed.TotalSeconds:0} s");
        text.AppendLine($"silo chaos: {Kills.Count} kill(s) ({string.Join(", ", Kills)}) under {SiloOperations} create/delete/scale operations");
        text.AppendLine($"  load: {SiloLoad.Describe()}");
        text.AppendLine($"  converged {(ConvergedAfterLastKill is { } c ? $"{c.TotalSeconds:0.0} s" : "never")} after the last restart; {AfterSiloChaos?.Describe()}");
        foreach (var outage in Outages)
        {
            text.AppendLine($"  {outage.Describe()}");
        }

        text.AppendLine($"  after the storage outages: {AfterStorageOutage?.Describe()}");
        text.AppendLine($"fuzzer: {Fuzz?.Describe()}");
        text.AppendLine($"  after the fuzzer: {AfterFuzz?.Describe()}");
        var violations = Violations();
        text.Append(violations.Count == 0 ? "every guarantee held" : $"{violations.Count} guarantee(s) broken:\n  " + string.Join("\n  ", violations));
        return text.ToString();
    }

    private static void Audit(string phase, AuditResult? audit, List<string> violations)
    {
        if (audit is null)
        {
            violations.Add($"{phase}: not audited");
            return;
        }

        foreach (var (name, list) in new[] { ("over-committed", audit.OverCommitted), ("orphaned reservations", audit.Orphaned), ("placed without reservation", audit.PlacedWithoutReservation), ("lost acknowledged deployments", audit.Lost), ("nodes or GPUs not back", audit.NotReady) })
        {
            if (list.Count > 0)
            {
                violations.Add($"{phase}: {list.Count} {name}: {string.Join("; ", list.Take(3))}");
            }
        }
    }
}
