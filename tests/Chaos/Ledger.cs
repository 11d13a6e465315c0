using System.Collections.Concurrent;

namespace GpuSharing.Chaos;

/// <summary>What the acknowledged answers promised about each deployment, to be checked against what the API shows at the end.</summary>
public sealed class Ledger
{
    private readonly ConcurrentDictionary<string, LedgerEntry> _entries = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, LedgerEntry> Entries => _entries;

    /// <summary>A 2xx PUT (present, as promised) or a 204/404 DELETE (absent).</summary>
    public void Acknowledged(string deployment, DeploymentPromise? promise, DateTimeOffset at) =>
        _entries[deployment] = new LedgerEntry(promise, Certain: true, at);

    /// <summary>No definite answer: either outcome is allowed until the next acknowledged request.</summary>
    public void Uncertain(string deployment, DateTimeOffset at) =>
        _entries[deployment] = new LedgerEntry(_entries.TryGetValue(deployment, out var before) ? before.Expected : null, Certain: false, at);
}
