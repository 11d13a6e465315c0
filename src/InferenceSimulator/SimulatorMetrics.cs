using System.Globalization;
using System.Text;

namespace GpuSharing.InferenceSimulator;

/// <summary>The part of vLLM's <c>/metrics</c> page that SLO tracking reads: latency histograms and queue gauges, with vLLM's names and buckets.</summary>
public sealed class SimulatorMetrics
{
    private int _running;
    private int _waiting;

    public LatencyHistogram TimeToFirstToken { get; } = new(
        "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
        [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]);

    public LatencyHistogram TimePerOutputToken { get; } = new(
        "vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds.",
        [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]);

    public LatencyHistogram EndToEnd { get; } = new(
        "vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds.",
        [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0]);

    public void Waiting(int delta) => Interlocked.Add(ref _waiting, delta);

    public void Running(int delta) => Interlocked.Add(ref _running, delta);

    public string Render(string modelName)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# HELP vllm:num_requests_running Number of requests currently running on GPU.\n# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{{model_name=\"{modelName}\"}} {Volatile.Read(ref _running)}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{{model_name=\"{modelName}\"}} {Volatile.Read(ref _waiting)}\n");
        TimeToFirstToken.WriteTo(text, modelName);
        TimePerOutputToken.WriteTo(text, modelName);
        EndToEnd.WriteTo(text, modelName);
        return text.ToString();
    }
}
