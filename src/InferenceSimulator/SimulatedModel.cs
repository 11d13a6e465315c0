namespace GpuSharing.InferenceSimulator;

/// <summary>One simulated replica: the model it serves and the share of a GPU it runs on.</summary>
/// <param name="ServedModel">The name requests must use (vLLM's <c>--served-model-name</c>).</param>
/// <param name="WeightsBytes">Bytes of weights read once per decode step.</param>
/// <param name="ParametersBillions">For prefill: 2 × parameters FLOPs per prompt token.</param>
/// <param name="LowPrecision">FP8/INT8/INT4 weights: twice the 16-bit matrix throughput.</param>
/// <param name="ComputeShare">The partition's compute units over the device's (1/8 for a CPX partition of an MI300X).</param>
/// <param name="MaxNumSeqs">Sequences run at once; more wait in the server's queue, as in vLLM.</param>
/// <param name="Partition">Replicas with the same key share one partition and slow each other down.</param>
public sealed record SimulatedModel(
    string ServedModel,
    long WeightsBytes,
    double ParametersBillions,
    bool LowPrecision,
    AcceleratorSpec Accelerator,
    double ComputeShare,
    int MaxNumSeqs,
    string Partition);
