namespace GpuSharing.TestSupport.Otlp;

/// <summary>One span as an OTLP exporter sent it: ids in lower-case hex, the service from its resource, its attributes (strings, numbers, booleans, arrays of them).</summary>
public sealed record CollectedSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    SpanKind Kind,
    IReadOnlyDictionary<string, object> Attributes,
    SpanStatus Status,
    string? StatusMessage)
{
    public object? Attribute(string key) => Attributes.TryGetValue(key, out var value) ? value : null;

    public override string ToString() => $"{Service} {Scope} '{Name}' {Kind} {SpanId}←{ParentSpanId ?? "root"} {Status}";
}
