using System.Diagnostics;
using System.Net.Http.Json;
using GpuSharing.LoadGenerator;

namespace GpuSharing.Benchmarks.Serving;

/// <summary>
/// The gateway's added latency: the same one-token requests, sent open-loop at a fixed rate, straight to a simulated
/// server and through the gateway, in alternating phases so both see the same machine. Streaming requests are timed
/// to their first token event; whole ones to their last byte.
/// </summary>
public static class OverheadProbe
{
    public sealed record Phase(string Path, bool Stream, int Sent, int Failed, double P50Ms, double P99Ms, double AchievedRate);

    public static async Task<Phase> RunAsync(HttpClient http, string path, string model, bool stream, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var started = Stopwatch.GetTimestamp();
        var sent = new List<Task<double?>>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(due, cancellationToken);
            }

            sent.Add(OneAsync(http, model, stream, cancellationToken));
        }

        var results = await Task.WhenAll(sent);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var times = results.Where(r => r is not null).Select(r => r!.Value).Order().ToList();
        return new Phase(path, stream, count, results.Count(r => r is null), LoadReport.Percentile(times, 0.5) ?? double.NaN, LoadReport.Percentile(times, 0.99) ?? double.NaN, count / elapsed.TotalSeconds);
    }

    private static async Task<double?> OneAsync(HttpClient http, string model, bool stream, CancellationToken cancellationToken)
    {
        var began = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model, stream, max_tokens = 1, messages = new[] { new { role = "user", content = "Hi" } } }),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (stream)
            {
                using var reader = new StreamReader(body);
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.StartsWith("data: {", StringComparison.Ordinal))
                    {
                        var first = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                        await reader.ReadToEndAsync(cancellationToken);
                        return first;
                    }
                }

                return null;
            }

            await body.CopyToAsync(Stream.Null, cancellationToken);
            return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
