using GpuSharing.LoadGenerator;

namespace GpuSharing.Benchmarks.Serving;

/// <summary>What one priority class got in one replay: shed and served requests, TTFT and SLO attainment (a shed or failed request missed both).</summary>
public sealed record ClassFigures(string Class, int Requests, int Shed, int Failed, double? TtftP99Ms, double TtftAttainment, double SloAttainment, double GoodputPerSecond)
{
    public static IReadOnlyList<ClassFigures> Of(IReadOnlyList<RequestOutcome> outcomes, SloTargets targets, TimeSpan duration) =>
        [.. new[] { "high", "medium", "low" }.Select(c =>
        {
            var mine = outcomes.Where(o => o.Priority == c).ToList();
            var ttfts = mine.Where(o => o.Status == 200 && o.TtftMs is not null).Select(o => o.TtftMs!.Value).Order().ToList();
            var ttftMet = mine.Count(o => o.Status == 200 && o.TtftMs is { } t && (targets.TtftMs is not { } target || t <= target));
            var met = mine.Count(targets.Met);
            return new ClassFigures(
                c,
                mine.Count,
                mine.Count(o => o.Status == 429),
                mine.Count(o => o.Status is not 200 and not 429),
                LoadReport.Percentile(ttfts, 0.99),
                mine.Count == 0 ? 1 : ttftMet / (double)mine.Count,
                mine.Count == 0 ? 1 : met / (double)mine.Count,
                met / Math.Max(duration.TotalSeconds, 1e-9));
        })];
}
