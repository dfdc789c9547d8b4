// The properties panel's groups for this platform's extension properties (spiff dialect),
// added after bpmn-js-properties-panel's own groups (name, id, documentation, message, timer…).
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useState } from '@bpmn-io/properties-panel/preact/hooks';
import {
  CheckboxEntry, Group, NumberFieldEntry, SelectEntry, TextAreaEntry, TextFieldEntry,
  isCheckboxEntryEdited, isNumberFieldEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import {
  getBodyExtension, setBodyExtension, getProperty, setProperty, getOperator, setOperator,
  getVariableCorrelation, setVariableCorrelation, getAttrs, setAttrs,
} from './_extensions.js';
import { getCorrelation, setCorrelation } from './_correlation.js';

const CREATE = '__crear__';
const SANDBOX_NOTE = 'Python en un entorno restringido: sin import, sin archivos ni red, sin nombres que empiecen con «_»; '
  + 'hasta 100.000 operaciones, 2 segundos y 20 MB. Use hoy() y las ayudas de días hábiles, no datetime.now().';
const EXPRESSION_NOTE = 'Expresión Python: un texto literal va entre comillas (\'permiso\').';

function entry(id, component, isEdited, extra) {
  return Object.assign({ id, component, isEdited }, extra || {});
}

// ---- user task: form, group, SLA, instructions -------------------------------------------

function FileSelect(props) {
  const { element, id, label, property, suffix, emptyContent } = props;
  const injector = useService('injector');
  const studio = useService('studioData');
  const bo = getBusinessObject(element);
  const [, refresh] = useState(0);
  const getOptions = () => {
    const names = studio.files.filter((f) => f.name.endsWith(suffix)).map((f) => f.name);
    const current = getProperty(bo, property);
    if (current && !names.includes(current)) {
      names.push(current);
    }
    return [{ value: '', label: '(ninguno)' },
      ...names.map((name) => ({ value: name, label: name })),
      { value: CREATE, label: `Crear ${element.id}${suffix}` }];
  };
  const setValue = (value) => {
    if (value !== CREATE) {
      setProperty(injector, element, bo, property, value);
      return;
    }
    const name = `${element.id}${suffix}`;
    studio.createFile(name, emptyContent).then(() => {
      setProperty(injector, element, bo, property, name);
      refresh((n) => n + 1);
    });
  };
  return h(SelectEntry, {
    element, id, label, getValue: () => getProperty(bo, property), setValue, getOptions,
    description: 'Archivo del borrador. «Crear» agrega uno vacío, que se completa en el editor de formularios.',
  });
}

function laneOf(element) {
  const bo = getBusinessObject(element);
  const lanes = bo.get('lanes') || [];
  if (lanes.length) {
    return lanes[0].get('name') || '';
  }
  let parent = element.parent;
  while (parent) {
    if (is(parent, 'bpmn:Lane')) {
      return getBusinessObject(parent).get('name') || '';
    }
    parent = parent.parent;
  }
  const process = bo.$parent;
  for (const set of (process && process.get && process.get('laneSets')) || []) {
    for (const lane of set.get('lanes') || []) {
      if ((lane.get('flowNodeRef') || []).includes(bo)) {
        return lane.get('name') || '';
      }
    }
  }
  return '';
}

function GroupInfo(props) {
  const { element, id } = props;
  const studio = useService('studioData');
  const bo = getBusinessObject(element);
  const lane = laneOf(element);
  const override = getProperty(bo, 'candidateGroup');
  const [group, setGroup] = useState({ group: '', applicant: false });
  useEffect(() => {
    let live = true;
    if (lane) {
      studio.groupOfLane(lane).then((g) => { if (live) { setGroup(g); } });
    } else {
      setGroup({ group: '', applicant: false });
    }
    return () => { live = false; };
  }, [lane]);
  let text;
  if (getProperty(bo, 'forApplicant') === 'true' || group.applicant) {
    text = 'Es una tarea de quien inició el caso (aparece en «Mis trámites»).';
  } else if (override) {
    text = `Va a la bandeja del grupo «${override}» (candidateGroup manda sobre el carril${lane ? ` «${lane}»` : ''}).`;
  } else if (lane) {
    text = `Carril «${lane}»: va a la bandeja del grupo «${group.group || '…'}».`;
  } else {
    text = 'Sin carril ni candidateGroup: la tarea no tiene grupo.';
  }
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': id },
    h('p', { class: 'studio-panel-note', id: `studio-${id}` }, text));
}

function CandidateGroup(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const studio = useService('studioData');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  const listId = 'studio-grupos-conocidos';
  useEffect(() => {
    const input = document.getElementById(`bio-properties-panel-${id}`);
    if (input) {
      input.setAttribute('list', listId);
    }
  });
  return h('div', null,
    h(TextFieldEntry, {
      element, id, label: 'Grupo (candidateGroup)', debounce,
      description: 'Opcional: manda sobre el grupo del carril. Sugerencias: grupos del directorio y de los trámites desplegados.',
      getValue: () => getProperty(bo, 'candidateGroup'),
      setValue: (value) => setProperty(injector, element, bo, 'candidateGroup', value),
    }),
    h('datalist', { id: listId }, studio.groups.map((g) => h('option', { value: g, label: studio.groupTitles[g] || g }))));
}

function ForApplicant(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const bo = getBusinessObject(element);
  return h(CheckboxEntry, {
    element, id, label: 'Es de quien inició el caso (forApplicant)',
    getValue: () => getProperty(bo, 'forApplicant') === 'true',
    setValue: (value) => setProperty(injector, element, bo, 'forApplicant', value ? 'true' : ''),
  });
}

const BUSINESS_DAYS = /^P(\d+)D$/;

function slaName(bo) {
  return !getProperty(bo, 'sla') && getProperty(bo, 'dueDate') ? 'dueDate' : 'sla';
}

function Sla(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  const current = getProperty(bo, slaName(bo));
  const other = current && !BUSINESS_DAYS.test(current) ? ` Hoy dice «${current}» (no en días hábiles).` : '';
  return h(NumberFieldEntry, {
    element, id, label: 'Plazo (días hábiles)', debounce, min: 0, max: 2500,
    description: `Vence al final del último día hábil de la ciudad (sin fines de semana ni feriados); se escribe sla="P<n>D".${other}`,
    getValue: () => {
      const match = BUSINESS_DAYS.exec(getProperty(bo, slaName(bo)));
      return match ? Number(match[1]) : '';
    },
    setValue: (value) => {
      const days = value === '' || value == null || Number.isNaN(Number(value)) ? '' : `P${Math.trunc(Number(value))}D`;
      setProperty(injector, element, bo, slaName(bo), days);
    },
  });
}

function BodyText(props) {
  const { element, id, holder, type, label, description, monospace } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const bo = holder || getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label, description, debounce, monospace, rows: 4,
    getValue: () => getBodyExtension(bo, type),
    setValue: (value) => setBodyExtension(injector, element, bo, type, value),
  });
}

function userTaskGroup(element) {
  const entries = [
    entry('studio-form', FileSelect, isSelectEntryEdited, {
      label: 'Formulario (JSON Schema)', property: 'formJsonSchemaFilename', suffix: '.schema.json',
      emptyContent: '{\n  "type": "object",\n  "properties": {}\n}\n',
    }),
    entry('studio-uiform', FileSelect, isSelectEntryEdited, {
      label: 'Esquema de interfaz', property: 'formUiSchemaFilename', suffix: '.uischema.json', emptyContent: '{}\n',
    }),
    entry('studio-group-info', GroupInfo, () => false),
    entry('studio-candidate-group', CandidateGroup, isTextFieldEntryEdited),
    entry('studio-for-applicant', ForApplicant, isCheckboxEntryEdited),
    entry('studio-sla', Sla, isNumberFieldEntryEdited),
  ];
  return { id: 'studio-user-task', label: 'Formulario, bandeja y plazo', component: Group, entries };
}

function instructionsEntry() {
  return entry('studio-instructions', BodyText, isTextAreaEntryEdited, {
    type: 'spiffworkflow:InstructionsForEndUser', label: 'Instrucciones (instructionsForEndUser)',
    description: 'Texto sobre el formulario: plantilla Jinja con los datos del caso ({{ observaciones }}) y formato simple.',
  });
}

// ---- service task: the connector operation and its parameters --------------------------------

function Operation(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const studio = useService('studioData');
  const bo = getBusinessObject(element);
  const getOptions = () => {
    const current = getOperator(bo).id;
    const options = studio.operations.map((op) => ({ value: op.name, label: op.name }));
    if (current && !studio.operations.some((op) => op.name === current)) {
      options.push({ value: current, label: `${current} (no está en el registro)` });
    }
    return [{ value: '', label: '(ninguna)' }, ...options];
  };
  const setValue = (name) => {
    const current = getOperator(bo);
    const op = studio.operation(name);
    const kept = Object.fromEntries(current.parameters.map((p) => [p.id, p]));
    const parameters = op ? Object.entries((op.params && op.params.properties) || {}).map(([pid, schema]) => ({
      id: pid, type: paramType(schema), value: kept[pid] ? kept[pid].value : '',
    })) : current.parameters;
    setOperator(injector, element, bo, { id: name, resultVariable: current.resultVariable, parameters });
  };
  const op = studio.operation(getOperator(bo).id);
  const fields = Object.keys((op && op.result && op.result.properties) || {});
  const about = op ? [op.description, fields.length ? `Resultado: ${fields.join(', ')}.` : ''].filter(Boolean).join(' ')
    : 'Elija la operación: sus parámetros aparecen abajo.';
  return h(SelectEntry, {
    element, id, label: 'Operación del conector', getValue: () => getOperator(bo).id, setValue, getOptions,
    description: about,
  });
}

const RETRY = 'spiffworkflow:Retry';

function Retry(props) {
  const { element, id, attr } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  const labels = {
    retries: ['Reintentos ante una falla temporal', 'Por omisión, cuatro más.'],
    backoff_base: ['Espera del primer reintento (segundos)', 'Cada reintento espera el doble que el anterior; por omisión 5.'],
  };
  return h(TextFieldEntry, {
    element, id, label: labels[attr][0], description: labels[attr][1], debounce,
    getValue: () => getAttrs(bo, RETRY, ['retries', 'backoff_base'])[attr],
    setValue: (value) => {
      const current = getAttrs(bo, RETRY, ['retries', 'backoff_base']);
      current[attr] = (value || '').trim();
      setAttrs(injector, element, bo, RETRY, current);
    },
  });
}

function paramType(schema) {
  return schema && schema.type === 'string' ? 'str' : 'any';
}

function ResultVariable(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return h(TextFieldEntry, {
    element, id, label: 'Variable del resultado (resultVariable)', debounce,
    description: 'La variable del caso que recibe lo que devuelve la operación.',
    getValue: () => getOperator(bo).resultVariable,
    setValue: (value) => {
      const current = getOperator(bo);
      if (current.id) {
        setOperator(injector, element, bo, Object.assign({}, current, { resultVariable: (value || '').trim() }));
      }
    },
  });
}

function Parameter(props) {
  const { element, id, param, schema, required } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  const title = (schema && schema.title) || param;
  const about = [schema && schema.description, EXPRESSION_NOTE].filter(Boolean).join(' ');
  return h(TextFieldEntry, {
    element, id, label: `${title === param ? param : `${title} (${param})`}${required ? ' *' : ''}`, debounce, description: about,
    getValue: () => {
      const found = getOperator(bo).parameters.find((p) => p.id === param);
      return found ? found.value : '';
    },
    setValue: (value) => {
      const current = getOperator(bo);
      const parameters = current.parameters.filter((p) => p.id !== param);
      const found = current.parameters.find((p) => p.id === param);
      const index = found ? current.parameters.indexOf(found) : parameters.length;
      parameters.splice(index, 0, { id: param, type: (found && found.type) || paramType(schema), value: value || '' });
      setOperator(injector, element, bo, Object.assign({}, current, { parameters }));
    },
  });
}

function serviceTaskGroup(element, studio) {
  const bo = getBusinessObject(element);
  const operator = getOperator(bo);
  const op = studio.operation(operator.id);
  const entries = [entry('studio-operation', Operation, isSelectEntryEdited)];
  if (operator.id) {
    entries.push(entry('studio-result', ResultVariable, isTextFieldEntryEdited));
    const properties = (op && op.params && op.params.properties) || {};
    const required = (op && op.params && op.params.required) || [];
    const names = [...Object.keys(properties)];
    operator.parameters.forEach((p) => { if (!names.includes(p.id)) { names.push(p.id); } });
    names.forEach((name) => entries.push(entry(`studio-param-${name}`, Parameter, isTextFieldEntryEdited, {
      param: name, schema: properties[name], required: required.includes(name),
    })));
    entries.push(entry('studio-retries', Retry, isTextFieldEntryEdited, { attr: 'retries' }));
    entries.push(entry('studio-backoff', Retry, isTextFieldEntryEdited, { attr: 'backoff_base' }));
  }
  return { id: 'studio-service-task', label: 'Operación de conector', component: Group, entries };
}

// ---- business rule task: the decision --------------------------------------------------------

function Decision(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const studio = useService('studioData');
  const bo = getBusinessObject(element);
  const type = 'spiffworkflow:CalledDecisionId';
  const getOptions = () => {
    const current = getBodyExtension(bo, type);
    const options = studio.decisions.map((d) => ({ value: d.id, label: `${d.name || d.id} (${d.file})` }));
    if (current && !studio.decisions.some((d) => d.id === current)) {
      options.push({ value: current, label: `${current} (no está en los DMN del borrador)` });
    }
    return [{ value: '', label: '(ninguna)' }, ...options];
  };
  return h(SelectEntry, {
    element, id, label: 'Decisión DMN (calledDecisionId)', getOptions,
    description: 'Las salidas de la tabla quedan en los datos del caso con el nombre de cada columna.',
    getValue: () => getBodyExtension(bo, type),
    setValue: (value) => setBodyExtension(injector, element, bo, type, value),
  });
}

// ---- scripts ---------------------------------------------------------------------------------

function Script(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label: 'Guion', description: SANDBOX_NOTE, debounce, monospace: true, rows: 8,
    getValue: () => bo.get('script') || '',
    setValue: (value) => modeling.updateProperties(element, { script: value || undefined }),
  });
}

// ---- sequence flows out of a gateway: the condition, or the default flow -------------------

// The check asks each flow out of an exclusive or inclusive gateway for a condition or to be
// the default; without these two entries the studio could not write either.
function isGatewayFlow(element) {
  return is(element, 'bpmn:SequenceFlow') && Boolean(element.source)
    && (is(element.source, 'bpmn:ExclusiveGateway') || is(element.source, 'bpmn:InclusiveGateway'));
}

function isDefaultFlow(element) {
  return getBusinessObject(element.source).get('default') === getBusinessObject(element);
}

function Condition(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label: 'Condición', debounce, monospace: true, rows: 2,
    description: 'Expresión Python que da verdadero o falso con los datos del caso, por ejemplo '
      + 'resolucion == "aprobada"; un texto literal va entre comillas. El caso sigue este flujo cuando se cumple.',
    getValue: () => {
      const condition = bo.get('conditionExpression');
      return (condition && condition.get('body')) || '';
    },
    setValue: (value) => {
      const body = (value || '').trim();
      let expression;
      if (body) {
        expression = bpmnFactory.create('bpmn:FormalExpression', { body });
        expression.$parent = bo;
      }
      modeling.updateProperties(element, { conditionExpression: expression });
    },
  });
}

function DefaultFlow(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  return h(CheckboxEntry, {
    element, id, label: 'Flujo por omisión',
    description: 'El caso lo sigue cuando no se cumple ninguna condición de los otros flujos de la compuerta; no lleva condición.',
    getValue: () => isDefaultFlow(element),
    setValue: (value) => {
      if (value) {
        modeling.updateProperties(element, { conditionExpression: undefined });
        modeling.updateProperties(element.source, { default: getBusinessObject(element) });
      } else {
        modeling.updateProperties(element.source, { default: undefined });
      }
    },
  });
}

function flowGroup(element) {
  const entries = [entry('studio-default-flow', DefaultFlow, isCheckboxEntryEdited)];
  if (!isDefaultFlow(element)) {
    entries.unshift(entry('studio-condition', Condition, isTextAreaEntryEdited));
  }
  return { id: 'studio-flow', label: 'Condición del flujo', component: Group, entries };
}

// ---- timers: business days -------------------------------------------------------------------

const DIAS_HABILES = /^\s*dias_habiles\(\s*(\d+)\s*\)\s*$/;

function timerOf(element) {
  const bo = getBusinessObject(element);
  return (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

function BusinessDays(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const timer = timerOf(element);
  const read = () => {
    const duration = timer.get('timeDuration');
    const match = duration && DIAS_HABILES.exec(duration.get('body') || '');
    return match ? Number(match[1]) : '';
  };
  const write = (value) => {
    if (value === '' || value == null || Number.isNaN(Number(value))) {
      return;
    }
    const body = `dias_habiles(${Math.trunc(Number(value))})`;
    const expression = bpmnFactory.create('bpmn:FormalExpression', { body });
    expression.$parent = timer;
    commandStack.execute('element.updateModdleProperties', {
      element, moddleElement: timer,
      properties: { timeDuration: expression, timeDate: undefined, timeCycle: undefined },
    });
  };
  return h(NumberFieldEntry, {
    element, id, label: 'Plazo en días hábiles', debounce, min: 0, max: 2500, getValue: read, setValue: write,
    description: 'Escribe timeDuration = dias_habiles(n): vence a las 23:59:59 del n-ésimo día hábil. '
      + 'En «Valor», las duraciones y fechas fijas van entre comillas ("P14D", "2026-12-21T10:00:00-03:00").',
  });
}

// ---- messages ----------------------------------------------------------------------------------

function messageHolder(element) {
  const bo = getBusinessObject(element);
  if (is(bo, 'bpmn:ReceiveTask') || is(bo, 'bpmn:SendTask')) {
    return bo;
  }
  return (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:MessageEventDefinition'));
}

function isThrowing(element) {
  return is(element, 'bpmn:IntermediateThrowEvent') || is(element, 'bpmn:EndEvent') || is(element, 'bpmn:SendTask');
}

function Correlation(props) {
  const { element, id, field } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const holder = messageHolder(element);
  const labels = {
    property: ['Propiedad de correlación', 'El id de la correlationProperty: el sistema que envía el mensaje la nombra ({"correlation": {"expediente": …}}).'],
    expression: ['Expresión de correlación', 'La variable del caso que identifica el mensaje, por ejemplo numero_expediente (correlationPropertyRetrievalExpression).'],
  };
  return h(TextFieldEntry, {
    element, id, label: labels[field][0], description: labels[field][1], debounce,
    getValue: () => getCorrelation(holder)[field],
    setValue: (value) => {
      const current = getCorrelation(holder);
      current[field] = (value || '').trim();
      setCorrelation(injector, element, holder, current);
    },
  });
}

function SpiffCorrelation(props) {
  const { element, id, field } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const holder = messageHolder(element);
  return h(TextFieldEntry, {
    element, id, debounce,
    label: field === 'propertyId' ? 'processVariableCorrelation: propiedad' : 'processVariableCorrelation: expresión',
    description: field === 'propertyId' ? 'Opcional (dialecto de SpiffArena): si está, se usa en lugar de la anterior.' : EXPRESSION_NOTE,
    getValue: () => getVariableCorrelation(holder)[field],
    setValue: (value) => {
      const current = getVariableCorrelation(holder);
      current[field] = (value || '').trim();
      setVariableCorrelation(injector, element, holder, current);
    },
  });
}

function messageGroup(element) {
  const holder = messageHolder(element);
  if (!holder || !holder.get('messageRef')) {
    return null;
  }
  const entries = [];
  if (isThrowing(element)) {
    entries.push(entry('studio-message-payload', BodyText, isTextAreaEntryEdited, {
      holder, type: 'spiffworkflow:MessagePayload', label: 'Contenido del mensaje (messagePayload)', monospace: true,
      description: EXPRESSION_NOTE,
    }));
  } else {
    entries.push(entry('studio-message-variable', BodyText, isTextAreaEntryEdited, {
      holder, type: 'spiffworkflow:MessageVariable', label: 'Variable que recibe el mensaje (messageVariable)',
    }));
  }
  entries.push(entry('studio-correlation-property', Correlation, isTextFieldEntryEdited, { field: 'property' }));
  entries.push(entry('studio-correlation-expression', Correlation, isTextFieldEntryEdited, { field: 'expression' }));
  entries.push(entry('studio-spiff-correlation-property', SpiffCorrelation, isTextFieldEntryEdited, { field: 'propertyId' }));
  entries.push(entry('studio-spiff-correlation-expression', SpiffCorrelation, isTextFieldEntryEdited, { field: 'expression' }));
  return { id: 'studio-message', label: 'Mensaje: contenido y correlación', component: Group, entries };
}

// ---- the provider --------------------------------------------------------------------------------

export default function PlatformPropertiesProvider(propertiesPanel, injector) {
  this._injector = injector;
  propertiesPanel.registerProvider(500, this);
}

PlatformPropertiesProvider.prototype.getGroups = function getGroups(element) {
  const injector = this._injector;
  return (groups) => {
    const studio = injector.get('studioData');
    const added = [];
    if (is(element, 'bpmn:UserTask')) {
      const group = userTaskGroup(element);
      group.entries.push(instructionsEntry());
      added.push(group);
    } else if (is(element, 'bpmn:ManualTask')) {
      added.push({ id: 'studio-manual-task', label: 'Instrucciones', component: Group, entries: [instructionsEntry()] });
    }
    if (is(element, 'bpmn:ServiceTask')) {
      added.push(serviceTaskGroup(element, studio));
    }
    if (is(element, 'bpmn:BusinessRuleTask')) {
      added.push({
        id: 'studio-decision', label: 'Decisión', component: Group,
        entries: [entry('studio-called-decision', Decision, isSelectEntryEdited)],
      });
    }
    if (is(element, 'bpmn:ScriptTask')) {
      added.push({ id: 'studio-script', label: 'Guion', component: Group, entries: [entry('studio-script-body', Script, isTextAreaEntryEdited)] });
    }
    if (is(element, 'bpmn:Activity')) {
      added.push({
        id: 'studio-pre-post', label: 'Guiones antes y después', component: Group,
        entries: [
          entry('studio-prescript', BodyText, isTextAreaEntryEdited, {
            type: 'spiffworkflow:PreScript', label: 'Antes de la tarea (preScript)', monospace: true, description: SANDBOX_NOTE,
          }),
          entry('studio-postscript', BodyText, isTextAreaEntryEdited, {
            type: 'spiffworkflow:PostScript', label: 'Después de la tarea (postScript)', monospace: true, description: SANDBOX_NOTE,
          }),
        ],
      });
    }
    if (isGatewayFlow(element)) {
      added.push(flowGroup(element));
    }
    const message = messageGroup(element);
    if (message) {
      added.push(message);
    }
    const timer = timerOf(element) && groups.find((g) => g.id === 'timer');
    if (timer) {
      timer.entries.push(entry('studio-business-days', BusinessDays, isNumberFieldEntryEdited));
    }
    // Ours right after the general group: what an analyst of this platform edits most.
    const at = Math.min(1, groups.length);
    return [...groups.slice(0, at), ...added, ...groups.slice(at)];
  };
};

PlatformPropertiesProvider.$inject = ['propertiesPanel', 'injector'];
