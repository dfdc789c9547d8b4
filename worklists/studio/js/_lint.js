// bpmnlint for bpmn-js-bpmnlint: bpmnlint's recommended rules, minus those that clash with
// this platform, as the packed config its Linter takes ({config, resolver}); messages in Spanish.
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process';
import conditionalFlows from 'bpmnlint/rules/conditional-flows';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway';
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event';
import fakeJoin from 'bpmnlint/rules/fake-join';
import labelRequired from 'bpmnlint/rules/label-required';
import linkEvent from 'bpmnlint/rules/link-event';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';
import superfluousTermination from 'bpmnlint/rules/superfluous-termination';
import recommended from 'bpmnlint/config/recommended';

// Left out of the recommended set, and why:
//  no-bpmndi, no-overlapping-elements: bundles written by hand have no diagram; the studio lays
//    them out itself, lanes included or not, so these would only report the generated drawing;
//  no-inclusive-gateway: the engine runs inclusive gateways (docs/guia-analista.md 3.6);
//  global: messages and correlation properties are global elements the engine needs as they are;
//  superfluous-label: a label on a flow is harmless documentation for the staff who read the diagram.
export const LEFT_OUT = ['no-bpmndi', 'no-overlapping-elements', 'no-inclusive-gateway', 'global', 'superfluous-label'];

const RULES = {
  'ad-hoc-sub-process': adHocSubProcess,
  'conditional-flows': conditionalFlows,
  'end-event-required': endEventRequired,
  'event-based-gateway': eventBasedGateway,
  'event-sub-process-typed-start-event': eventSubProcessTypedStartEvent,
  'fake-join': fakeJoin,
  'label-required': labelRequired,
  'link-event': linkEvent,
  'no-complex-gateway': noComplexGateway,
  'no-disconnected': noDisconnected,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'no-gateway-join-fork': noGatewayJoinFork,
  'no-implicit-split': noImplicitSplit,
  'no-implicit-end': noImplicitEnd,
  'no-implicit-start': noImplicitStart,
  'single-blank-start-event': singleBlankStartEvent,
  'single-event-definition': singleEventDefinition,
  'start-event-required': startEventRequired,
  'sub-process-blank-start-event': subProcessBlankStartEvent,
  'superfluous-gateway': superfluousGateway,
  'superfluous-termination': superfluousTermination,
};

export const MESSAGES = {
  'ad-hoc-sub-process': 'Un subproceso ad hoc no lleva eventos de inicio ni de fin.',
  'conditional-flows': 'Al flujo le falta la condición: sale de un elemento con varias salidas condicionales.',
  'end-event-required': 'Al proceso le falta un evento de fin.',
  'event-based-gateway': 'Una compuerta basada en eventos necesita al menos dos salidas, sin condiciones.',
  'event-sub-process-typed-start-event': 'El evento de inicio de un subproceso de evento debe tener un tipo (mensaje, temporizador…).',
  'fake-join': 'Varios flujos entran a una tarea sin compuerta que los una: use una compuerta.',
  'label-required': 'Al elemento le falta el nombre.',
  'link-event': 'Al evento de enlace le falta su par o el nombre del enlace.',
  'no-complex-gateway': 'La compuerta compleja no se recomienda.',
  'no-disconnected': 'El elemento no está conectado.',
  'no-duplicate-sequence-flows': 'Hay flujos duplicados entre los mismos elementos.',
  'no-gateway-join-fork': 'La compuerta une y bifurca a la vez: sepárela en dos.',
  'no-implicit-split': 'El flujo se divide sin compuerta: use una compuerta.',
  'no-implicit-end': 'El elemento termina el camino sin un evento de fin.',
  'no-implicit-start': 'El elemento empieza un camino sin un evento de inicio.',
  'single-blank-start-event': 'Hay más de un evento de inicio simple.',
  'single-event-definition': 'El evento tiene más de una definición.',
  'start-event-required': 'Al proceso le falta un evento de inicio.',
  'sub-process-blank-start-event': 'El evento de inicio de un subproceso debe ser simple.',
  'superfluous-gateway': 'La compuerta sobra: tiene una sola entrada y una sola salida.',
  'superfluous-termination': 'El fin de terminación sobra: un fin simple hace lo mismo.',
};

const rules = {};
Object.keys(RULES).forEach((name) => {
  rules[name] = recommended.rules[name] || 'warn';
});

const resolver = {
  resolveRule(pkg, name) {
    const rule = RULES[name];
    if (pkg !== 'bpmnlint' || !rule) {
      throw new Error(`unknown rule <${pkg}/${name}>`);
    }
    return rule;
  },
  resolveConfig() {
    return null;
  },
};

export const lintConfig = { config: { rules }, resolver };

export function spanish(issue) {
  return MESSAGES[issue.rule] || issue.message;
}
