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
}
