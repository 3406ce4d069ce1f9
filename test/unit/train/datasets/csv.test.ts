import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CsvParser,
  CsvSyntaxError,
  parseCsv,
  parseCsvBatches,
} from "../../../../functions/train/datasets/csv.ts";
import { CellKind } from "../../../../functions/train/datasets/number-cell.ts";
import { DatasetScanner } from "../../../../functions/train/datasets/scan.ts";

const encoder = new TextEncoder();

/** Parses `text` as UTF-8 pushed in pieces of `size` bytes; answers records with their lines. */
function parse(text: string | Uint8Array, size?: number, maxRecordBytes?: number) {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  const step = size ?? Math.max(1, bytes.length);
  const out: Array<[number, string[]]> = [];
  const parser = new CsvParser((fields, line) => out.push([line, fields]), { maxRecordBytes });
  for (let i = 0; i < bytes.length; i += step) parser.push(bytes.slice(i, i + step));
  parser.end();
  return out;
}

/** The same text cut at every possible size, even inside a character, must parse the same. */
function parseEverySplit(text: string) {
  const whole = parse(text);
  const length = encoder.encode(text).length;
  for (let size = 1; size <= Math.min(length, 40); size++) {
    expect(parse(text, size), `pushed ${size} bytes at a time`).toEqual(whole);
  }
  return whole;
}

async function* bytes(...parts: Array<string | number[]>) {
  for (const part of parts) {
    yield typeof part === "string" ? encoder.encode(part) : new Uint8Array(part);
  }
}

async function drain(source: AsyncIterable<unknown>) {
  for await (const _ of source) {
    // reading to the end
  }
}

describe("CSV parser", () => {
  it("splits plain lines and numbers records by the line they start on", () => {
    expect(parseEverySplit("a,b,c\n1,2,3\n4,5,6\n")).toEqual([
      [1, ["a", "b", "c"]],
      [2, ["1", "2", "3"]],
      [3, ["4", "5", "6"]],
    ]);
  });

  it("reads CRLF line ends and a last line without a line break", () => {
    expect(parseEverySplit("a,b\r\n1,2\r\n3,4")).toEqual([
      [1, ["a", "b"]],
      [2, ["1", "2"]],
      [3, ["3", "4"]],
    ]);
  });

  it("keeps commas, line breaks and doubled quotes inside quoted fields", () => {
    const text =
      'id,text\r\n1,"a, b"\r\n2,"line one\r\nline two\nline three"\r\n3,"say ""hi"""\n4,""\n';
    expect(parseEverySplit(text)).toEqual([
      [1, ["id", "text"]],
      [2, ["1", "a, b"]],
      [3, ["2", "line one\r\nline two\nline three"]],
      [6, ["3", 'say "hi"']],
      [7, ["4", ""]],
    ]);
  });

  it("handles quoted fields first, last, alone and next to empty fields", () => {
    expect(parseEverySplit('"a",b,"c"\n"only"\n,"",\n"x",\n,"y"')).toEqual([
      [1, ["a", "b", "c"]],
      [2, ["only"]],
      [3, ["", "", ""]],
      [4, ["x", ""]],
      [5, ["", "y"]],
    ]);
  });

  it("keeps empty fields and skips empty lines", () => {
    expect(parseEverySplit("a,b,c\n\n,,\r\n\r\n1,,3\n")).toEqual([
      [1, ["a", "b", "c"]],
      [3, ["", "", ""]],
      [5, ["1", "", "3"]],
    ]);
  });

  it("treats a quote inside an unquoted field as an ordinary character", () => {
    expect(parseEverySplit('height,name\n5\'10",bob\nx"y,"z"\n')).toEqual([
      [1, ["height", "name"]],
      [2, ["5'10\"", "bob"]],
      [3, ['x"y', "z"]],
    ]);
  });

  it("keeps non-ASCII text and a quote at the very end", () => {
    expect(parseEverySplit('名前,city\n"Zoë","Zürich 🏔"\n"end"""')).toEqual([
      [1, ["名前", "city"]],
      [2, ["Zoë", "Zürich 🏔"]],
      [3, ['end"']],
    ]);
  });

  it("cuts non-ASCII cells at the right characters, with doubled quotes among them", () => {
    const text = 'a,b,c\n🏔,"x ""ü"" y",Ω\nplain,é,"🏔🏔,🏔"\n\uFEFFkeep,ß,ok\n';
    expect(parseEverySplit(text)).toEqual([
      [1, ["a", "b", "c"]],
      [2, ["🏔", 'x "ü" y', "Ω"]],
      [3, ["plain", "é", "🏔🏔,🏔"]],
      [4, ["\uFEFFkeep", "ß", "ok"]],
    ]);
  });

  it("drops a byte order mark at the start, even split across chunks", () => {
    const withBom = Uint8Array.from([0xef, 0xbb, 0xbf, ...encoder.encode("a,b\n1,2\n")]);
    for (const size of [1, 2, 3, 4, 100]) {
      expect(parse(withBom, size)).toEqual([
        [1, ["a", "b"]],
        [2, ["1", "2"]],
      ]);
    }
  });

  it("names the line of a quote that is never closed", () => {
    const attempt = () => parse('a,b\n1,2\n3,"open\nmore\n');
    expect(attempt).toThrow(CsvSyntaxError);
    expect(attempt).toThrow(/line 3 opens a quoted field that is never closed/);
  });

  it("refuses text after a closing quote, naming the line", () => {
    expect(() => parse('a\n"x\ny"z\n')).toThrow(/line 3: a closing quote must be followed/);
  });

  it("refuses a record longer than the bound instead of buffering the input", () => {
    let error: unknown;
    try {
      parse(`a\n"${"x".repeat(5000)}`, 100, 1000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as CsvSyntaxError).line).toBe(2);
    expect((error as Error).message).toMatch(/longer than 1000 bytes/);
  });

  it("parses a long quoted field spread over many pushes", () => {
    const long = "y".repeat(300_000);
    expect(parse(`a,b\n"${long}",1\n2,3\n`, 1000)).toEqual([
      [1, ["a", "b"]],
      [2, [long, "1"]],
      [3, ["2", "3"]],
    ]);
  });

  it("reads UTF-8 split inside a character, through the async reader", async () => {
    const euro = [...encoder.encode("€")];
    const records = [];
    for await (const r of parseCsv(bytes("p,q\n", euro.slice(0, 1), euro.slice(1), ",1\n"))) {
      records.push(r);
    }
    expect(records).toEqual([
      ["p", "q"],
      ["€", "1"],
    ]);
  });

  it("refuses bytes that are not UTF-8, naming the line", async () => {
    await expect(
      drain(parseCsvBatches(bytes("a,b\n1,2\n", [0x31, 0x2c, 0xff, 0x0a]))),
    ).rejects.toThrow(/^line 3 is not valid UTF-8 text/);
    // a character cut short by the end of the file
    await expect(drain(parseCsvBatches(bytes("a,b\n1,", [0xe2, 0x82])))).rejects.toThrow(
      /^line 2 is not valid UTF-8/,
    );
    // Latin-1 ü in a quoted field that spans lines
    await expect(drain(parseCsvBatches(bytes('a\n"x\ny', [0xfc], '"\n')))).rejects.toThrow(
      /^line 3 is not valid UTF-8/,
    );
  });

  it("stops reading the source when the reader stops early", async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield encoder.encode(`${i}\n`);
      } finally {
        closed = true;
      }
    }
    for await (const record of parseCsv(source())) {
      if (record[0] === "5") break;
    }
    expect(closed).toBe(true);
  });
});

describe("numbers read on the way", () => {
  function cells(text: string) {
    const out: Array<[string, number, number]> = [];
    const parser = new CsvParser({
      cell(bytes, start, end, kind, value) {
        out.push([new TextDecoder().decode(bytes.subarray(start, end)), kind, value]);
      },
      endRecord() {},
    });
    parser.push(encoder.encode(text));
    parser.end();
    return out;
  }

  it("reads plain integers and decimals, and leaves everything else unread", () => {
    expect(cells("12,-3.25,+7,0.1,1.,007,-0\r\n")).toEqual([
      ["12", CellKind.INTEGER, 12],
      ["-3.25", CellKind.DECIMAL, -3.25],
      ["+7", CellKind.INTEGER, 7],
      ["0.1", CellKind.DECIMAL, 0.1],
      ["1.", CellKind.DECIMAL, 1],
      ["007", CellKind.INTEGER, 7],
      ["-0", CellKind.INTEGER, -0],
    ]);
    const unread = cells('1e3, 4,5 ,x,-,.,1.2.3,"7",,12345678901234567890,0x1F,1\r');
    expect(unread.map(([text, kind]) => [text, kind])).toEqual(
      ["1e3", " 4", "5 ", "x", "-", ".", "1.2.3", "7", "", "12345678901234567890", "0x1F", "1"].map(
        (text) => [text, CellKind.UNREAD],
      ),
    );
  });

  it("gives the same double as Number() for every decimal it reads", () => {
    const texts: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = (Math.sin(i) * 10 ** (i % 7)).toFixed(i % 8);
      texts.push(x);
    }
    const read = cells(`${texts.join(",")}\n`);
    read.forEach(([text, kind, value]) => {
      expect(kind).not.toBe(CellKind.UNREAD);
      expect(value).toBe(Number(text));
    });
  });

  it("hands out the numbers of the columns asked for, and text for everything else", async () => {
    const records: unknown[] = [];
    const text = 'a,b,c\n1,x,2.5\r\n1e3,"3",\n\n-4,7,"8"\n5,6,7';
    for await (const r of parseCsv(bytes(text), { numbers: [0, 2] })) records.push(r);
    expect(records).toEqual([
      ["a", "b", "c"],
      [1, "x", 2.5],
      ["1e3", "3", ""],
      ["-4", "7", "8"], // a line with a quote is read field by field, as text
      [5, "6", 7],
    ]);
  });
});

describe("schema inference", () => {
  function scan(text: string, maxDistinct = 1000) {
    const scanner = new DatasetScanner({ maxBytes: 1 << 30, maxDistinct });
    const bytes = encoder.encode(text);
    for (let i = 0; i < bytes.length; i += 7) scanner.push(bytes.subarray(i, i + 7));
    return scanner.finish();
  }

  it("tells integer, number, boolean and categorical columns apart, whatever the cell's form", () => {
    const { rows, columns } = scan(
      [
        "int,num,bool,bin,cat,padded,exp,huge,empty",
        "1,1.5,yes,0,a, 7 ,1e3,9007199254740993,",
        '-2,2,No,1,"b", 8,2.5E-1,1,',
        '+3,-0.25,1,1,3,9 ,-4e+2,2,"  "',
        "",
      ].join("\n"),
    );
    expect(rows).toBe(3);
    expect(columns).toEqual([
      { name: "int", type: "integer", missing: 0, values: ["-2", "1", "3"], min: -2, max: 3 },
      {
        name: "num",
        type: "number",
        missing: 0,
        values: ["-0.25", "1.5", "2"],
        min: -0.25,
        max: 2,
      },
      { name: "bool", type: "boolean", missing: 0, values: ["1", "No", "yes"] },
      { name: "bin", type: "integer", missing: 0, values: ["0", "1"], min: 0, max: 1 },
      { name: "cat", type: "categorical", missing: 0, values: ["3", "a", "b"] },
      { name: "padded", type: "integer", missing: 0, values: ["7", "8", "9"], min: 7, max: 9 },
      {
        name: "exp",
        type: "number",
        missing: 0,
        values: ["-400", "0.25", "1000"],
        min: -400,
        max: 1000,
      },
      {
        name: "huge",
        type: "number",
        missing: 0,
        values: ["1", "2", "9007199254740992"],
        min: 1,
        max: 9007199254740992,
      },
      { name: "empty", type: "categorical", missing: 3, values: [] },
    ]);
  });

  it("writes numeric values canonically, so 1 and 1.0 are one class", () => {
    const [column] = scan("y\n1\n1.0\n2\n01\n").columns;
    expect(column).toMatchObject({ type: "number", values: ["1", "2"] });
  });

  it("stops listing values past the bound and says so", () => {
    const many = Array.from({ length: 30 }, (_, i) => `v${i},${i}`).join("\n");
    const [text, number] = scan(`name,n\n${many}\n`, 10).columns;
    expect(text).toEqual({ name: "name", type: "categorical", missing: 0, tooManyValues: true });
    expect(number).toEqual({
      name: "n",
      type: "integer",
      missing: 0,
      tooManyValues: true,
      min: 0,
      max: 29,
    });
  });

  it("counts bytes and hashes them as they were sent, byte order mark included", () => {
    const text = "\uFEFFa\n1\n";
    const result = scan(text);
    expect(result.bytes).toBe(encoder.encode(text).length);
    expect(result.sha256).toBe(createHash("sha256").update(text).digest("hex"));
    expect(result.columns[0]?.name).toBe("a");
  });
});
