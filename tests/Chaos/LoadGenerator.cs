using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace GpuSharing.Chaos;

/// <summary>
/// A seeded create/delete/scale load through the REST API. Each worker owns its own deployments (one request at a time
/// per deployment, so the ledger knows which answer is the last word) and draws its operations from its own seeded
/// random stream; what it draws is the same in every run with that seed, only the timing of faults differs.
/// </summary>
public sealed class LoadGenerator(HttpClient http, Ledger ledger, RequestStats stats, int seed, int deployments, int workers, TimeProvider time)
{
    private static readonly string[] Models = ["qwen2.5-7b", "llama-3.1-8b", "phi-3-mini", "qwen2.5-32b"];

    public int Operations => _operations;

    private int _operations;

    public static string Name(int index) => string.Create(CultureInfo.InvariantCulture, $"chaos/d{index:00}");

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; the request in flight then completes.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => WorkerAsync(w, cancellationToken)));

    private async Task WorkerAsync(int worker, CancellationToken cancellationToken)
    {
        var random = new Random(unchecked((seed * 7919) + worker));
        var owned = Enumerable.Range(0, deployments).Where(i => i % workers == worker).Select(Name).ToArray();
        while (!cancellationToken.IsCancellationRequested)
        {
            var deployment = owned[random.Next(owned.Length)];
            var roll = random.NextDouble();
            if (roll < 0.25)
            {
                await DeleteAsync(deployment);
            }
            else
            {
                // A new spec, or the same model scaled: the ledger's last word decides which.
                var current = ledger.Entries.GetValueOrDefault(deployment)?.Expected;
                var model = roll < 0.75 || current is null ? Models[random.Next(Models.Length)] : current.Model;
                var replicas = random.Next(1, 3);
                var priority = random.NextDouble() switch { < 0.4 => "low", < 0.9 => "medium", _ => "high" };
                await PutAsync(deployment, new DeploymentPromise(model, replicas), priority);
            }

            Interlocked.Increment(ref _operations);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 400)), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PutAsync(string deployment, DeploymentPromise promise, string priority)
    {
        var request = $"PUT {deployment}";
        var body = new Dictionary<string, object> { ["model"] = promise.Model, ["replicas"] = promise.Replicas, ["priority"] = priority };
        var status = await SendAsync(request, () => http.PutAsJsonAsync($"/api/v1/models/{deployment}", body));
        if (status is >= 200 and < 300)
        {
            ledger.Acknowledged(deployment, promise, time.GetUtcNow());
        }
        else if (status is null or >= 500)
        {
            ledger.Uncertain(deployment, time.GetUtcNow());
        }
    }

    private async Task DeleteAsync(string deployment)
    {
        var status = await SendAsync($"DELETE {deployment}", () => http.DeleteAsync($"/api/v1/models/{deployment}"));
        if (status is (int)HttpStatusCode.NoContent or (int)HttpStatusCode.NotFound)
        {
            ledger.Acknowledged(deployment, null, time.GetUtcNow());
        }
        else if (status is null or >= 500)
        {
            ledger.Uncertain(deployment, time.GetUtcNow());
        }
    }

    /// <summary>The status of the answer; null when there was none (connection refused or dropped, client timeout).</summary>
    private async Task<int?> SendAsync(string request, Func<Task<HttpResponseMessage>> send)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            stats.Record(response, request, body, Stopwatch.GetElapsedTime(started));
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            stats.RecordNoAnswer(Stopwatch.GetElapsedTime(started));
            return null;
        }
    }
}
