namespace GpuSharing.Chaos;

/// <summary>
/// What the API shows, held against the guarantees: each list names the violations (empty when the guarantee holds).
/// </summary>
public sealed record AuditResult(
    IReadOnlyList<string> NotReady,
    IReadOnlyList<string> OverCommitted,
    IReadOnlyList<string> Orphaned,
    IReadOnlyList<string> PlacedWithoutReservation,
    IReadOnlyList<string> Lost,
    int Deployments,
    int Placed,
    int Reservations,
    int Uncertain)
{
    /// <summary>The reservations and deployments agree and every node is back: what convergence waits for.</summary>
    public bool Converged => NotReady.Count == 0 && OverCommitted.Count == 0 && Orphaned.Count == 0 && PlacedWithoutReservation.Count == 0;

    public string Describe() =>
        $"{Deployments} deployment(s), {Placed} placed, {Reservations} reservation(s); not ready {NotReady.Count}, over-committed {OverCommitted.Count}, " +
        $"orphaned {Orphaned.Count}, placed without reservation {PlacedWithoutReservation.Count}, lost {Lost.Count} (of the ledger, {Uncertain} unknown)" +
        string.Concat(NotReady.Concat(OverCommitted).Concat(Orphaned).Concat(PlacedWithoutReservation).Concat(Lost).Take(12).Select(v => $"\n  - {v}"));
}
