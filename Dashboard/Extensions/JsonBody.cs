using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace VanguardHub.Dashboard.Extensions;

/// <summary>
/// Reads a JSON request body with a size cap, strictly (no duplicate keys, no unknown fields), and turns every way a
/// body can be wrong into a ProblemDetails answer naming the field, instead of an exception.
/// </summary>
internal static class JsonBody
{
    /// <summary>
    /// The app's JSON options with numbers read strictly: a number sent as a string ("5") is the wrong type, not a
    /// number (the web defaults would take it).
    /// </summary>
    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> StrictOptions = [];

    /// <summary>How deeply a body may nest; the API's bodies need a few levels.</summary>
    private const int MaxDepth = 16;

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "body", "Unsupported media type", "Send the body as application/json."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        var (buffer, length) = await ReadLimited(request.Body, request.ContentLength, maxBytes, cancellationToken);
        if (buffer is null)
        {
            return (null, TooLarge(maxBytes));
        }

        var configured = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var options = StrictOptions.GetValue(configured, o => new JsonSerializerOptions(o)
        {
            NumberHandling = JsonNumberHandling.Strict,
            AllowDuplicateProperties = false,
            MaxDepth = MaxDepth,
        });
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), options);
        }
        catch (JsonException e)
        {
            return (null, Explain(buffer.AsMemory(0, length), e));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return value is null ? (null, Problems.Invalid("body", "A JSON object is required.")) : (value, null);
    }

    /// <summary>
    /// What was wrong with a body the serializer refused: parsed again on its own, so that "not JSON at all" (or a
    /// field named twice anywhere) is told apart from "JSON of the wrong shape", which names the field. Bodies that
    /// are read well are parsed once.
    /// </summary>
    private static IResult Explain(ReadOnlyMemory<byte> body, JsonException refused)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            return Problems.Invalid("body", e.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase)
                ? "The body names a field twice."
                : "The body is not valid JSON.");
        }

        return refused.Path is null || refused.Path == "$"
            ? Problems.Invalid("body", "The body is not valid JSON.")
            : Problems.Invalid(FieldOf(refused.Path), refused.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "There is no such field."
                : "This value has the wrong type or is out of range.");
    }

    /// <summary>"$.outcomes.residentsServed" → "outcomes.residentsServed"; the document itself → "body".</summary>
    public static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "body" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath;

    public static IResult TooLarge(int maxBytes) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "body", "Body too large", $"The body can be at most {maxBytes / 1024} KiB.");

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/> into a buffer from the shared pool, sized by Content-Length when the
    /// client sent one: (null, 0) when the body is longer, whatever Content-Length said. The caller returns the buffer.
    /// </summary>
    private static async Task<(byte[]? Buffer, int Length)> ReadLimited(Stream body, long? contentLength, int maxBytes, CancellationToken cancellationToken)
    {
        // One byte more than allowed, so that a body that is too long is seen to be.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min((contentLength ?? 4096) + 1, maxBytes + 1L));
        var length = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, 0);
                }

                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
