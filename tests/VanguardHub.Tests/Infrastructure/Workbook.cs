using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>Reads an .xlsx the way a spreadsheet program does, with the Open XML SDK: the first sheet's rows as text.</summary>
internal static class Workbook
{
    public static List<List<string>> FirstSheetRows(Stream xlsx)
    {
        using var document = SpreadsheetDocument.Open(xlsx, isEditable: false);
        var workbook = document.WorkbookPart ?? throw new InvalidDataException("No workbook part.");
        var first = workbook.Workbook.Sheets!.Elements<Sheet>().First();
        var sheet = (WorksheetPart)workbook.GetPartById(first.Id!);
        var shared = workbook.SharedStringTablePart?.SharedStringTable.Elements<SharedStringItem>().Select(i => i.InnerText).ToList() ?? [];
        return [.. sheet.Worksheet.Descendants<Row>().Select(row => row.Elements<Cell>().Select(cell => Text(cell, shared)).ToList())];
    }

    private static string Text(Cell cell, List<string> shared) => cell.DataType?.Value switch
    {
        var t when t == CellValues.SharedString => shared[int.Parse(cell.CellValue!.Text)],
        var t when t == CellValues.InlineString => cell.InlineString?.InnerText ?? "",
        _ => cell.CellValue?.Text ?? cell.InnerText,
    };
}
