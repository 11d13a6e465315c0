namespace GpuSharing.Grains.Planning.Sizing;

/// <summary>A deployment that cannot be sized: a bad value (<see cref="IsInvalidInput"/>, a 400) or a model we know nothing about (a 422).</summary>
public sealed class SizingException : Exception
{
    public SizingException()
    {
    }

    public SizingException(string message)
        : base(message)
    {
    }

    public SizingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SizingException(string field, string message, bool isInvalidInput)
        : base(message)
    {
        Field = field;
        IsInvalidInput = isInvalidInput;
    }

    public string Field { get; } = string.Empty;

    public bool IsInvalidInput { get; }
}
