using System.Globalization;
using System.Text;

namespace GpuSharing.InferenceSimulator;

/// <summary>A cumulative histogram in seconds, written in the Prometheus text format with vLLM's metric names.</summary>
public sealed class LatencyHistogram(string name, string help, double[] bounds)
{
    private readonly long[] _counts = new long[bounds.Length + 1];
    private long _sumMicroseconds;

    public void Observe(TimeSpan value)
    {
        var seconds = value.TotalSeconds;
        var bucket = Array.FindIndex(bounds, b => seconds <= b);
        Interlocked.Increment(ref _counts[bucket < 0 ? bounds.Length : bucket]);
        Interlocked.Add(ref _sumMicroseconds, (long)(seconds * 1e6));
    }

    public void WriteTo(StringBuilder text, string modelName)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
        long cumulative = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{bounds[i]}\",model_name=\"{modelName}\"}} {cumulative}\n");
        }

        cumulative += Interlocked.Read(ref _counts[bounds.Length]);
        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\",model_name=\"{modelName}\"}} {cumulative}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum{{model_name=\"{modelName}\"}} {Interlocked.Read(ref _sumMicroseconds) / 1e6}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_count{{model_name=\"{modelName}\"}} {cumulative}\n");
    }
}
