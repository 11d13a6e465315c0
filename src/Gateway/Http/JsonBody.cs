using System.Text.Json;
using GpuSharing.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Http;

/// <summary>
/// Reads a JSON request body strictly: a JSON media type, at most <see cref="GatewayOptions.MaxRequestBodyBytes"/>
/// bytes, one well-formed document. Failures become <see cref="BadHttpRequestException"/>s with 415, 413 or 400,
/// which the exception handler turns into problem details.
/// </summary>
public static class JsonBody
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public static async Task<JsonDocument> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var max = request.HttpContext.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxRequestBodyBytes;
        if (request.ContentType is not { } contentType || !IsJson(contentType))
        {
            throw new BadHttpRequestException($"The body must be JSON (Content-Type: application/json), not '{request.ContentType ?? "none"}'.", StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.ContentLength > max)
        {
            throw new BadHttpRequestException($"The body is {request.ContentLength} bytes; at most {max} are accepted.", StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new BadHttpRequestException($"The body is larger than the {max} bytes accepted.", StatusCodes.Status413PayloadTooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw new BadHttpRequestException("The body is empty; a JSON object is expected.", StatusCodes.Status400BadRequest);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray(), DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException($"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).", StatusCodes.Status400BadRequest, ex);
        }

        if (FirstUnreadableText(document.RootElement, "$") is { } where)
        {
            document.Dispose();
            throw new BadHttpRequestException($"The body's text at {where} is not valid UTF-8 (or holds an unpaired surrogate escape such as \\ud800).", StatusCodes.Status400BadRequest);
        }

        return document;
    }

    // The parser checks structure, not that every string decodes: invalid UTF-8 bytes inside a string, or a lone
    // surrogate escape, surface only when the string is read — as an exception, anywhere later. Read them all here.
    private static string? FirstUnreadableText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Readable(() => element.GetString()) ? null : path;
            case JsonValueKind.Object:
                var index = 0;
                foreach (var property in element.EnumerateObject())
                {
                    var name = string.Empty;
                    if (!Readable(() => name = property.Name))
                    {
                        return $"{path} (the name of property {index})";
                    }

                    if (FirstUnreadableText(property.Value, $"{path}.{(name.Length <= 64 ? name : name[..64] + "…")}") is { } inner)
                    {
                        return inner;
                    }

                    index++;
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FirstUnreadableText(item, $"{path}[{i++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return null;
        }

        static bool Readable(Action read)
        {
            try
            {
                read();
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
