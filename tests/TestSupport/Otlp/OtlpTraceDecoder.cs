using System.Globalization;
using Google.Protobuf;

namespace GpuSharing.TestSupport.Otlp;

/// <summary>
/// Reads an OTLP <c>ExportTraceServiceRequest</c> (opentelemetry-proto, <c>collector/trace/v1</c>) from its protobuf
/// wire form with Google's <see cref="CodedInputStream"/>: the fields a test asserts on, by their numbers in the
/// .proto files; every other field is skipped, as a protobuf reader must.
/// </summary>
public static class OtlpTraceDecoder
{
    public static IReadOnlyList<CollectedSpan> Decode(byte[] request)
    {
        var spans = new List<CollectedSpan>();
        Fields(request, (number, input) =>
        {
            if (number == 1)
            {
                ResourceSpans(input.ReadBytes(), spans); // ExportTraceServiceRequest.resource_spans
                return true;
            }

            return false;
        });
        return spans;
    }

    private static void ResourceSpans(ByteString message, List<CollectedSpan> spans)
    {
        var service = "unknown_service";
        var scopes = new List<ByteString>();
        Fields(message, (number, input) =>
        {
            switch (number)
            {
                case 1: // resource
                    Fields(input.ReadBytes(), (n, resource) =>
                    {
                        if (n != 1)
                        {
                            return false;
                        }

                        var (key, value) = KeyValue(resource.ReadBytes());
                        if (key == "service.name" && value is string name)
                        {
                            service = name;
                        }

                        return true;
                    });
                    return true;
                case 2: // scope_spans
                    scopes.Add(input.ReadBytes());
                    return true;
                default:
                    return false;
            }
        });

        foreach (var scope in scopes)
        {
            var scopeName = string.Empty;
            var raw = new List<ByteString>();
            Fields(scope, (number, input) =>
            {
                switch (number)
                {
                    case 1: // InstrumentationScope
                        Fields(input.ReadBytes(), (n, s) =>
                        {
                            if (n != 1)
                            {
                                return false;
                            }

                            scopeName = s.ReadString();
                            return true;
                        });
                        return true;
                    case 2:
                        raw.Add(input.ReadBytes());
                        return true;
                    default:
                        return false;
                }
            });
            spans.AddRange(raw.Select(r => Span(service, scopeName, r)));
        }
    }

    private static CollectedSpan Span(string service, string scope, ByteString message)
    {
        string traceId = string.Empty, spanId = string.Empty, name = string.Empty;
        string? parent = null, statusMessage = null;
        var kind = SpanKind.Unspecified;
        var status = SpanStatus.Unset;
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        Fields(message, (number, input) =>
        {
            switch (number)
            {
                case 1:
                    traceId = Hex(input.ReadBytes());
                    return true;
                case 2:
                    spanId = Hex(input.ReadBytes());
                    return true;
                case 4:
                    var bytes = input.ReadBytes();
                    parent = bytes.IsEmpty ? null : Hex(bytes);
                    return true;
                case 5:
                    name = input.ReadString();
                    return true;
                case 6:
                    kind = (SpanKind)input.ReadEnum();
                    return true;
                case 9:
                    var (key, value) = KeyValue(input.ReadBytes());
                    attributes[key] = value;
                    return true;
                case 15: // Status: 2 message, 3 code
                    Fields(input.ReadBytes(), (n, s) =>
                    {
                        switch (n)
                        {
                            case 2:
                                statusMessage = s.ReadString();
                                return true;
                            case 3:
                                status = (SpanStatus)s.ReadEnum();
                                return true;
                            default:
                                return false;
                        }
                    });
                    return true;
                default:
                    return false;
            }
        });
        return new CollectedSpan(service, scope, traceId, spanId, parent, name, kind, attributes, status, statusMessage);
    }

    private static (string Key, object Value) KeyValue(ByteString message)
    {
        var key = string.Empty;
        object value = string.Empty;
        Fields(message, (number, input) =>
        {
            switch (number)
            {
                case 1:
                    key = input.ReadString();
                    return true;
                case 2:
                    value = AnyValue(input.ReadBytes());
                    return true;
                default:
                    return false;
            }
        });
        return (key, value);
    }

    /// <summary><c>AnyValue</c>: 1 string, 2 bool, 3 int64, 4 double, 5 array (<c>ArrayValue.values</c>, field 1).</summary>
    private static object AnyValue(ByteString message)
    {
        object value = string.Empty;
        Fields(message, (number, input) =>
        {
            switch (number)
            {
                case 1:
                    value = input.ReadString();
                    return true;
                case 2:
                    value = input.ReadBool();
                    return true;
                case 3:
                    value = input.ReadInt64();
                    return true;
                case 4:
                    value = input.ReadDouble();
                    return true;
                case 5:
                    var items = new List<object>();
                    Fields(input.ReadBytes(), (n, array) =>
                    {
                        if (n != 1)
                        {
                            return false;
                        }

                        items.Add(AnyValue(array.ReadBytes()));
                        return true;
                    });
                    value = items;
                    return true;
                default:
                    return false;
            }
        });
        return value;
    }

    /// <summary>Calls <paramref name="read"/> for each field; a field it does not read (returns false) is skipped.</summary>
    private static void Fields(ByteString message, Func<int, CodedInputStream, bool> read) => Fields(message.ToByteArray(), read);

    private static void Fields(byte[] message, Func<int, CodedInputStream, bool> read)
    {
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (!read(WireFormat.GetTagFieldNumber(tag), input))
            {
                input.SkipLastField();
            }
        }
    }

    private static string Hex(ByteString bytes) => Convert.ToHexString(bytes.Span).ToLower(CultureInfo.InvariantCulture);
}
