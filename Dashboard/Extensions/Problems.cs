namespace VanguardHub.Dashboard.Extensions;

/// <summary>ProblemDetails answers that name the field at fault.</summary>
internal static class Problems
{
    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Invalid(IDictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors);

    public static IResult NotFound(string field, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found",
            extensions: new Dictionary<string, object?> { ["field"] = field });

    public static IResult Status(int status, string field, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["field"] = field });

    /// <summary>The same answer written straight to the response, for middleware and authentication handlers.</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, string? field = null)
    {
        context.Response.StatusCode = status;
        var problem = new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status, Title = title, Detail = detail } };
        if (field is not null)
        {
            problem.ProblemDetails.Extensions["field"] = field;
        }

        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(problem).AsTask();
    }
}
