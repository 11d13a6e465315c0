using System.Globalization;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Sizing;

/// <summary>
/// Turns a placed replica into what runs it: the device-plugin resource and node, the logical devices (for
/// HIP_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES when binding host devices or running locally), and vLLM arguments that
/// hold it to its share: <c>--gpu-memory-utilization</c> = reserved bytes ÷ partition VRAM (rounded down),
/// <c>--max-num-seqs</c> as many full-length sequences as the KV cache it got holds (at most what was asked).
/// </summary>
public static class VllmBinding
{
    public static ReplicaBinding Build(SizingResult sizing, ReplicaPlacement placement)
    {
        var utilization = Math.Floor(placement.ReservedBytes * 1000.0 / placement.PartitionVramBytes) / 1000.0;
        var fullSequences = sizing.KvBytesPerToken == 0 ? sizing.MaxNumSeqs : placement.KvCacheBytes / (sizing.KvBytesPerToken * sizing.MaxModelLen);
        var maxNumSeqs = (int)Math.Clamp(fullSequences, 1, sizing.MaxNumSeqs);
        var arguments = new List<string>
        {
            VllmFlags.Model, sizing.ResolvedModel,
            VllmFlags.Dtype, sizing.Precision switch
            {
                Precision.Fp32 => "float32",
                Precision.Fp16 => "float16",
                Precision.Bf16 => "bfloat16",
                _ => "auto",
            },
        };
        if (sizing.Precision == Precision.Fp8)
        {
            arguments.AddRange([VllmFlags.Quantization, "fp8"]);
        }

        if (sizing.KvCacheFp8)
        {
            arguments.AddRange([VllmFlags.KvCacheDtype, "fp8"]);
        }

        arguments.AddRange(
        [
            VllmFlags.MaxModelLen, sizing.MaxModelLen.ToString(CultureInfo.InvariantCulture),
            VllmFlags.MaxNumSeqs, maxNumSeqs.ToString(CultureInfo.InvariantCulture),
            VllmFlags.GpuMemoryUtilization, utilization.ToString("0.000", CultureInfo.InvariantCulture),
            VllmFlags.TensorParallelSize, placement.Span.ToString(CultureInfo.InvariantCulture),
        ]);

        var logical = placement.Devices.Select(d => d.LogicalIndex).OfType<int>().ToList();
        var visible = string.Join(',', logical);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (logical.Count > 0)
        {
            environment["HIP_VISIBLE_DEVICES"] = visible;
            environment["ROCR_VISIBLE_DEVICES"] = visible;
        }

        var device = string.Create(CultureInfo.InvariantCulture, $"{placement.Node}/{placement.Gpu}/{string.Join(',', placement.Partitions)}");
        var resource = placement.Devices.FirstOrDefault()?.ResourceName
            ?? $"amd.com/{placement.ComputeMode.ToString().ToLowerInvariant()}_{placement.MemoryMode.ToString().ToLowerInvariant()}";
        return new ReplicaBinding(
            device,
            placement.Node,
            resource,
            placement.Span,
            logical,
            [.. placement.Devices.Select(d => d.RenderNode).OfType<string>()],
            environment,
            arguments);
    }

    public static SizingBreakdown Breakdown(SizingResult sizing) => new(
        sizing.ResolvedModel,
        sizing.Architecture,
        sizing.WeightsBytes,
        sizing.KvBytesPerToken,
        sizing.KvTargetBytes,
        sizing.KvMinBytes,
        sizing.ActivationBytes,
        sizing.MaxModelLen,
        sizing.MaxNumSeqs,
        sizing.TargetBytes);
}
