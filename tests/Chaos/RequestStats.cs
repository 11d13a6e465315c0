using System.Collections.Concurrent;
using System.Net;

namespace GpuSharing.Chaos;

/// <summary>Every answer the load got: by status, 503s without Retry-After, requests with no answer, latencies.</summary>
public sealed class RequestStats
{
    private readonly ConcurrentDictionary<int, int> _byStatus = new();
    private readonly ConcurrentQueue<double> _latencies = new();
    private readonly ConcurrentQueue<string> _serverErrors = new();
    private int _noAnswer;
    private int _unavailableWithoutRetryAfter;

    public IReadOnlyDictionary<int, int> ByStatus => _byStatus;

    public int Total => _byStatus.Values.Sum() + _noAnswer;

    /// <summary>Answers ≥ 500 other than 503/504: a caller's request or an outage must never be a 500.</summary>
    public int ServerErrors => _byStatus.Where(s => s.Key >= 500 && s.Key is not (503 or 504)).Sum(s => s.Value);

    public int Unavailable => _byStatus.GetValueOrDefault(503) + _byStatus.GetValueOrDefault(504);

    public int UnavailableWithoutRetryAfter => _unavailableWithoutRetryAfter;

    public int NoAnswer => _noAnswer;

    public IEnumerable<string> ServerErrorSamples => _serverErrors;

    public double MaxLatencySeconds => _latencies.IsEmpty ? 0 : _latencies.Max();

    public double Percentile(double p)
    {
        var sorted = _latencies.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    public void Record(HttpResponseMessage response, string request, string body, TimeSpan latency)
    {
        var status = (int)response.StatusCode;
        _byStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
        _latencies.Enqueue(latency.TotalSeconds);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is null)
        {
            Interlocked.Increment(ref _unavailableWithoutRetryAfter);
        }

        if (status >= 500 && status is not (503 or 504) && _serverErrors.Count < 20)
        {
            _serverErrors.Enqueue($"{request} → {status}: {(body.Length > 300 ? body[..300] : body)}");
        }
    }

    public void RecordNoAnswer(TimeSpan latency)
    {
        Interlocked.Increment(ref _noAnswer);
        _latencies.Enqueue(latency.TotalSeconds);
    }

    public string Describe() =>
        $"{Total} requests: " + string.Join(", ", _byStatus.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) +
        (NoAnswer > 0 ? $", no answer×{NoAnswer}" : string.Empty) +
        $"; latency p50 {Percentile(0.5):0.00} s, p99 {Percentile(0.99):0.00} s, max {MaxLatencySeconds:0.0} s" +
        string.Concat(_serverErrors.Take(3).Select(e => $"\n    ! {e}"));
}
