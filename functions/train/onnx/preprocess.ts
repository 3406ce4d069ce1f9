/**
 * @module train/onnx/preprocess
 * The preprocessing a trainer fitted, as ONNX nodes, so a served model takes raw feature values:
 * one input per feature, named like the feature, shape [N, 1]. Numeric features (numbers,
 * integers, booleans as 0/1) are float inputs: a missing value (NaN) becomes the training mean,
 * then each is standardized. Categorical features are string inputs, one-hot encoded over the
 * training categories; an unknown or empty value encodes as all zeros.
 *
 * The design matrix the model sees is [numeric block | one-hot block per categorical feature],
 * the order scikit-learn's ColumnTransformer uses too.
 *
 * Tree ensembles take their numeric features raw (`{ numeric: "raw" }`): a split is invariant
 * under standardization, and the trees route a missing value themselves, so NaN must reach them
 * rather than the mean.
 */
import { BATCH, type GraphBuilder, ML_DOMAIN } from "./graph.ts";

export interface NumericFeature {
  name: string;
  /** Training mean: the value a missing input takes, and the centre of standardization. */
  mean: number;
  /** Training standard deviation (1 for a constant column). */
  scale: number;
}

export interface CategoricalFeature {
  name: string;
  /** One design column per category, in this order. */
  categories: string[];
}

export interface Preprocessing {
  /** Every feature in model.json order, which is also the order of the graph's inputs. */
  inputs: Array<{ name: string; kind: "numeric" | "categorical" }>;
  numeric: NumericFeature[];
  categorical: CategoricalFeature[];
}

export interface PreprocessingOptions {
  /**
   * "standardized" (the default): imputed with the mean, then standardized. "raw": as given,
   * NaN included; the means and scales of `prep.numeric` are then unused.
   */
  numeric?: "standardized" | "raw";
}

/** Declares the feature inputs and returns the design tensor [N, width]. */
export function addPreprocessing(
  g: GraphBuilder,
  prep: Preprocessing,
  options: PreprocessingOptions = {},
): string {
  for (const input of prep.inputs) {
    g.input(input.name, input.kind === "numeric" ? "float" : "string", [BATCH, 1]);
  }
  const blocks: string[] = [];

  if (prep.numeric.length > 0) {
    const names = prep.numeric.map((f) => f.name);
    const raw =
      names.length === 1
        ? (names[0] as string)
        : g.op("Concat", names, { attributes: { axis: 1 } });
    if (options.numeric === "raw") blocks.push(raw);
    else blocks.push(standardized(g, prep.numeric, raw));
  }

  for (const feature of prep.categorical) {
    // A feature with no training categories contributes no columns (its input stays declared
    // so callers send the same features the model lists).
    if (feature.categories.length === 0) continue;
    // zeros=1: a value outside cats_strings (empty = missing, or unseen) gives an all-zero row
    // instead of an error. The output is [N, 1, K]; Flatten makes it [N, K].
    const oneHot = g.op("OneHotEncoder", [feature.name], {
      domain: ML_DOMAIN,
      attributes: { cats_strings: feature.categories, zeros: 1 },
    });
    blocks.push(g.op("Flatten", [oneHot], { attributes: { axis: 1 } }));
  }

  if (blocks.length === 0) throw new Error("the model has no input columns");
  return blocks.length === 1
    ? (blocks[0] as string)
    : g.op("Concat", blocks, { attributes: { axis: 1 } });
}

/** The numeric block [N, numeric] imputed with the means, then standardized. */
function standardized(g: GraphBuilder, numeric: readonly NumericFeature[], raw: string): string {
  const width = numeric.length;
  const means = g.floats(
    "means",
    numeric.map((f) => f.mean),
    [width],
  );
  const scales = g.floats(
    "scales",
    numeric.map((f) => f.scale),
    [width],
  );
  const filled = g.op("Where", [g.op("IsNaN", [raw]), means, raw]);
  return g.op("Div", [g.op("Sub", [filled, means]), scales]);
}

/** How many design columns `prep` makes. */
export function designWidth(prep: Pick<Preprocessing, "numeric" | "categorical">): number {
  return prep.categorical.reduce((sum, f) => sum + f.categories.length, prep.numeric.length);
}
