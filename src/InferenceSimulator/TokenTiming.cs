namespace GpuSharing.InferenceSimulator;

/// <summary>
/// The simulator's timing model, stated in the README. A partition runs its replicas' decode steps in turn (time
/// slicing, as co-located processes on one compute partition do): one step of replica <c>r</c> reads its weights once
/// for all its running sequences, at the partition's share of the bandwidth, and grows a little with its batch
/// (attention over the KV cache). A token of any running sequence on the partition therefore waits for one step of
/// every active replica there. Prefill is compute-bound: 2 × parameters FLOPs per prompt token at the partition's
/// share of the throughput, shared with the other active replicas.
/// </summary>
public static class TokenTiming
{
    /// <summary>Fraction of peak bandwidth a decode step achieves.</summary>
    public const double BandwidthEfficiency = 0.6;

    /// <summary>Fraction of peak 16-bit throughput a prefill achieves.</summary>
    public const double ComputeEfficiency = 0.4;

    /// <summary>Each further running sequence lengthens a step by this fraction.</summary>
    public const double BatchGrowth = 0.02;

    /// <summary>Fixed cost of a step (scheduling, sampling, kernel launches).</summary>
    public static readonly TimeSpan StepOverhead = TimeSpan.FromMilliseconds(1);

    /// <summary>One decode step of <paramref name="model"/> with <paramref name="running"/> sequences.</summary>
    public static TimeSpan Step(SimulatedModel model, int running)
    {
        var bandwidth = model.Accelerator.BandwidthBytesPerSecond * BandwidthEfficiency * model.ComputeShare;
        var seconds = model.WeightsBytes / bandwidth * (1 + (BatchGrowth * Math.Max(0, running - 1)));
        return TimeSpan.FromSeconds(seconds) + StepOverhead;
    }

    /// <summary>The time between two tokens of a sequence: one step of every replica active on the partition.</summary>
    public static TimeSpan InterToken(IEnumerable<(SimulatedModel Model, int Running)> activeOnPartition) =>
        activeOnPartition.Where(a => a.Running > 0).Aggregate(TimeSpan.Zero, (sum, a) => sum + Step(a.Model, a.Running));

    /// <summary>Prefill of <paramref name="promptTokens"/> while <paramref name="otherActiveReplicas"/> also run on the partition.</summary>
    public static TimeSpan Prefill(SimulatedModel model, int promptTokens, int otherActiveReplicas)
    {
        var flops = model.Accelerator.Bf16FlopsPerSecond * ComputeEfficiency * model.ComputeShare * (model.LowPrecision ? 2 : 1);
        var seconds = promptTokens * 2 * model.ParametersBillions * 1e9 / flops * (1 + otherActiveReplicas);
        return TimeSpan.FromSeconds(seconds) + StepOverhead;
    }

    /// <summary>What the simulator counts as a token: about four characters of text, at least one.</summary>
    public static int CountTokens(string text) => Math.Max(1, (text.Length + 3) / 4);
}
