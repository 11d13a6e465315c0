using System.Globalization;
using System.Text;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// Reads the latency histograms SLO tracking needs from a vLLM <c>/metrics</c> page (the Prometheus text format:
/// <c># HELP</c>/<c># TYPE</c> lines, <c>_bucket</c> series with <c>le</c>, <c>_count</c>, <c>_sum</c>, <c>_created</c>,
/// labels such as <c>engine</c> and <c>model_name</c> in any order, escaped label values). Series of one model are
/// added up over their other labels (several engines of one server).
/// </summary>
public static class VllmMetricsPage
{
    public const string TimeToFirstToken = "vllm:time_to_first_token_seconds";
    public const string TimePerOutputToken = "vllm:time_per_output_token_seconds";
    public const string EndToEnd = "vllm:e2e_request_latency_seconds";

    /// <summary>The histogram <paramref name="metric"/> of <paramref name="modelName"/>; null when the page has none.</summary>
    public static PrometheusHistogram? Histogram(string page, string metric, string modelName)
    {
        var buckets = new SortedDictionary<double, double>();
        double count = 0, sum = 0;
        var seen = false;
        foreach (var raw in page.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(metric, StringComparison.Ordinal) || !TryParse(line, out var name, out var labels, out var value))
            {
                continue;
            }

            if (!labels.TryGetValue("model_name", out var model) || model != modelName)
            {
                continue;
            }

            switch (name[metric.Length..])
            {
                case "_bucket" when labels.TryGetValue("le", out var le) && TryNumber(le, out var bound):
                    buckets[bound] = buckets.GetValueOrDefault(bound) + value;
                    seen = true;
                    break;
                case "_count":
                    count += value;
                    seen = true;
                    break;
                case "_sum":
                    sum += value;
                    break;
            }
        }

        return seen ? new PrometheusHistogram([.. buckets.Select(b => (b.Key, b.Value))], count, sum) : null;
    }

    /// <summary>One sample line: <c>name{label="value",…} number [timestamp]</c>.</summary>
    private static bool TryParse(string line, out string name, out Dictionary<string, string> labels, out double value)
    {
        labels = new Dictionary<string, string>(StringComparer.Ordinal);
        value = 0;
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var at = 0;
        if (brace >= 0 && (space < 0 || brace < space))
        {
            name = line[..brace];
            at = brace + 1;
            while (at < line.Length && line[at] != '}')
            {
                var equals = line.IndexOf('=', at);
                if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
                {
                    return false;
                }

                var key = line[at..equals].Trim();
                var text = new StringBuilder();
                at = equals + 2;
                while (at < line.Length && line[at] != '"')
                {
                    if (line[at] == '\\' && at + 1 < line.Length)
                    {
                        at++;
                        text.Append(line[at] == 'n' ? '\n' : line[at]);
                    }
                    else
                    {
                        text.Append(line[at]);
                    }

                    at++;
                }

                labels[key] = text.ToString();
                at++;
                if (at < line.Length && line[at] == ',')
                {
                    at++;
                }
            }

            at++;
        }
        else
        {
            name = space < 0 ? line : line[..space];
            at = name.Length;
        }

        var rest = line[Math.Min(at, line.Length)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return rest.Length >= 1 && TryNumber(rest[0], out value);
    }

    private static bool TryNumber(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
