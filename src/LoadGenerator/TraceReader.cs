using System.Globalization;

namespace GpuSharing.LoadGenerator;

/// <summary>
/// Reads the Azure LLM inference trace format (<c>TIMESTAMP,ContextTokens,GeneratedTokens</c>, timestamps like
/// <c>2023-11-16 18:17:03.9799600</c>), in arrival order, offsets from the first request.
/// </summary>
public static class TraceReader
{
    private static readonly string[] TimestampFormats = ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss"];

    public static IReadOnlyList<TraceRequest> Read(TextReader reader)
    {
        var header = reader.ReadLine() ?? throw new FormatException("The trace is empty.");
        if (!header.StartsWith("TIMESTAMP,ContextTokens,GeneratedTokens", StringComparison.Ordinal))
        {
            throw new FormatException($"Not an Azure LLM inference trace: the header is '{header}'.");
        }

        var rows = new List<(DateTime At, int Prompt, int Output)>();
        var line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var fields = text.Split(',');
            if (fields.Length != 3
                || !DateTime.TryParseExact(fields[0], TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
                || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prompt)
                || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var output))
            {
                throw new FormatException($"Line {line} is not 'timestamp,prompt tokens,output tokens': '{text}'.");
            }

            rows.Add((at, prompt, output));
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var ordered = rows.OrderBy(r => r.At).ToList();
        var first = ordered[0].At;
        return [.. ordered.Select(r => new TraceRequest(r.At - first, r.Prompt, r.Output))];
    }

    public static IReadOnlyList<TraceRequest> Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader);
    }
}
