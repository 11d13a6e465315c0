using System.Globalization;
using System.Text;

namespace GpuSharing.LoadGenerator;

/// <summary>
/// Sums up a replay per deployment and priority class: requests sent, completed (200), shed (429), failed (anything
/// else), TTFT and TPOT percentiles of the completed ones, SLO attainment (the share of requests that met every target
/// of its deployment; shed and failed requests did not), and goodput: requests that met their SLO per second of replay.
/// </summary>
public static class LoadReport
{
    public static IReadOnlyList<LoadReportRow> Summarize(IEnumerable<RequestOutcome> outcomes, IReadOnlyDictionary<string, SloTargets> targets, TimeSpan duration)
    {
        var seconds = Math.Max(duration.TotalSeconds, 1e-9);
        return [.. outcomes
            .GroupBy(o => (o.Deployment, o.Priority))
            .OrderBy(g => Rank(g.Key.Priority)).ThenBy(g => g.Key.Deployment, StringComparer.Ordinal)
            .Select(g =>
            {
                var completed = g.Where(o => o.Status == 200).ToList();
                var target = targets.GetValueOrDefault(g.Key.Deployment) ?? new SloTargets(null, null);
                var met = g.Count(target.Met);
                var ttft = completed.Where(o => o.TtftMs is not null).Select(o => o.TtftMs!.Value).Order().ToList();
                var tpot = completed.Where(o => o.TpotMs is not null).Select(o => o.TpotMs!.Value).Order().ToList();
                return new LoadReportRow(
                    g.Key.Deployment,
                    g.Key.Priority,
                    g.Count(),
                    completed.Count,
                    g.Count(o => o.Status == 429),
                    g.Count(o => o.Status is not 200 and not 429),
                    Percentile(ttft, 0.50),
                    Percentile(ttft, 0.99),
                    Percentile(tpot, 0.50),
                    Percentile(tpot, 0.99),
                    g.Any() ? met / (double)g.Count() : null,
                    met / seconds);
            })];
    }

    /// <summary>The nearest-rank percentile of sorted values; null when there are none.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double quantile) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string ToMarkdown(IReadOnlyList<LoadReportRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| deployment | class | requests | completed | shed | failed | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | TPOT p99 ms | SLO attainment | goodput /s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Deployment} | {r.Priority} | {r.Requests} | {r.Completed} | {r.Shed} | {r.Failed} | {Number(r.TtftP50Ms)} | {Number(r.TtftP99Ms)} | {Number(r.TpotP50Ms)} | {Number(r.TpotP99Ms)} | {Share(r.Attainment)} | {r.Goodput.ToString("0.00", CultureInfo.InvariantCulture)} |");
        }

        return text.ToString();
    }

    private static int Rank(string priority) => priority switch
    {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        _ => 3,
    };

    private static string Number(double? value) => value?.ToString("0.0", CultureInfo.InvariantCulture) ?? "—";

    private static string Share(double? value) => value is { } v ? v.ToString("0.0%", CultureInfo.InvariantCulture) : "—";
}
