namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>Weight precision: bytes per parameter fp32 4, bf16/fp16 2, fp8/int8 1, int4 ½.</summary>
public enum Precision
{
    Fp32,
    Bf16,
    Fp16,
    Fp8,
    Int8,
    Int4,
}
