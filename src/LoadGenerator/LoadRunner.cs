using System.Net.Http.Json;

namespace GpuSharing.LoadGenerator;

/// <summary>
/// Replays a trace: each request is sent at its arrival time divided by the speed-up, to a deployment drawn by a
/// seeded weighted mix, as a streamed chat completion with the trace's prompt length (four characters a token) and
/// output length; what the caller sees is measured from the events as they arrive. With a class mix, each request
/// also draws its class (sent as <c>X-Request-Priority</c>); without one it carries its deployment's priority.
/// </summary>
public sealed class LoadRunner(HttpClient http, TimeProvider time)
{
    public async Task<IReadOnlyList<RequestOutcome>> RunAsync(
        IReadOnlyList<TraceRequest> trace,
        IReadOnlyList<(string Deployment, string Priority, double Weight)> mix,
        double speed,
        int seed,
        int maxPromptTokens,
        int maxOutputTokens,
        CancellationToken cancellationToken,
        IReadOnlyList<(string Class, double Weight)>? classes = null)
    {
        var random = new Random(seed);
        var total = mix.Sum(m => m.Weight);
        var classTotal = classes?.Sum(c => c.Weight) ?? 0;
        var start = time.GetTimestamp();
        var sent = new List<Task<RequestOutcome>>(trace.Count);
        foreach (var request in trace)
        {
            var (deployment, priority, _) = Draw(mix, random.NextDouble() * total);
            var asked = classes is null ? null : Draw(classes, random.NextDouble() * classTotal);
            var wait = (request.Offset / speed) - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            sent.Add(SendAsync(deployment, asked ?? priority, asked is not null, Math.Min(request.PromptTokens, maxPromptTokens), Math.Clamp(request.OutputTokens, 1, maxOutputTokens), cancellationToken));
        }

        return await Task.WhenAll(sent);
    }

    private static (string Deployment, string Priority, double Weight) Draw(IReadOnlyList<(string Deployment, string Priority, double Weight)> mix, double point) =>
        mix[Pick(mix.Select(m => m.Weight), point)];

    private static string Draw(IReadOnlyList<(string Class, double Weight)> classes, double point) =>
        classes[Pick(classes.Select(c => c.Weight), point)].Class;

    private static int Pick(IEnumerable<double> weights, double point)
    {
        var index = 0;
        foreach (var weight in weights)
        {
            if (point < weight)
            {
                return index;
            }

            point -= weight;
            index++;
        }

        return index - 1;
    }

    private async Task<RequestOutcome> SendAsync(string deployment, string priority, bool sendPriority, int promptTokens, int outputTokens, CancellationToken cancellationToken)
    {
        var began = time.GetTimestamp();
        var body = new
        {
            model = deployment,
            stream = true,
            max_tokens = outputTokens,
            messages = new[] { new { role = "user", content = string.Concat(Enumerable.Repeat("tok ", Math.Max(1, promptTokens))) } },
        };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
            if (sendPriority)
            {
                request.Headers.Add("X-Request-Priority", priority);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if ((int)response.StatusCode != 200)
            {
                await response.Content.ReadAsStringAsync(cancellationToken);
                return new RequestOutcome(deployment, priority, (int)response.StatusCode, null, null, Elapsed(began));
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            long? first = null;
            long last = 0;
            var events = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("data: {", StringComparison.Ordinal))
                {
                    last = time.GetTimestamp();
                    first ??= last;
                    events++;
                }
            }

            double? tpot = events > 1 ? time.GetElapsedTime(first!.Value, last).TotalMilliseconds / (events - 1) : null;
            return new RequestOutcome(deployment, priority, 200, first is { } f ? time.GetElapsedTime(began, f).TotalMilliseconds : null, tpot, Elapsed(began));
        }
        catch (HttpRequestException)
        {
            return new RequestOutcome(deployment, priority, 0, null, null, Elapsed(began));
        }
    }

    private double Elapsed(long began) => time.GetElapsedTime(began).TotalMilliseconds;
}
